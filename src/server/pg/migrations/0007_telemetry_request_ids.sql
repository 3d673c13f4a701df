-- agentdeck team server on PostgreSQL, schema version 7: the request-id column holds
-- transcript rows' ids only, as in the SQLite store. A telemetry row's request id is part of
-- its key (`ccreq:{id}`), so the writer finds it by key, and the partial index on
-- (developer, request_id) no longer gets an entry for every telemetry row: one index entry
-- fewer per request the OpenTelemetry receiver stores. Rows written before keep their key;
-- only the look-up copy of the id is cleared.
UPDATE requests SET request_id = NULL
WHERE request_id IS NOT NULL AND dedupe_key LIKE 'ccreq:%';
