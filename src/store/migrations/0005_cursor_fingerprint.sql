-- A file rewritten in place (same inode, longer than before) must be read again from the
-- start: the cursor keeps a fingerprint of the first and last bytes it read (see
-- collect/files.rs), compared before resuming. NULL for cursors written before this.
ALTER TABLE cursors ADD COLUMN fingerprint TEXT;
