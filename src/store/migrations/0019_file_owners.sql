-- agentdeck store, schema version 19: who each local agent file belongs to. A file keeps
-- the developer it was first read as, so a later change of the local identity
-- ([identity] developer, git's user.email) does not read a rewritten or growing file again
-- under the new name, which stored its requests a second time (dedupe keys are per owner).
-- Files read before this version get the identity of the first pass after it.
CREATE TABLE file_owners (
    source    TEXT NOT NULL,
    path      TEXT NOT NULL,
    developer TEXT NOT NULL,
    PRIMARY KEY (source, path)
) WITHOUT ROWID;
