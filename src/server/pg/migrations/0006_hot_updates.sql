-- agentdeck team server on PostgreSQL, schema version 6: room on every page of the rows each
-- batch updates in place (a session's span and totals, a rollup bucket's sums), so the new
-- row version fits on the same page and PostgreSQL updates it without touching the tables'
-- indexes (a "HOT" update) and prunes the old versions as it goes. Without it a session
-- updated by every batch needed new entries in both of its indexes most of the time, and the
-- table grew with dead versions. Only pages written from now on get the room.

ALTER TABLE sessions SET (fillfactor = 50);
ALTER TABLE rollups SET (fillfactor = 50);
