-- Schema version 6: the price table stored costs were computed with (a fingerprint of
-- table + overrides + cost rules) and what the last reprice changed. A store without a
-- row here (every store built before version 6) is repriced on its next use.
CREATE TABLE IF NOT EXISTS pricing_state (
    id                    INTEGER PRIMARY KEY CHECK (id = 1),
    fingerprint           TEXT NOT NULL,
    repriced_at           INTEGER NOT NULL,
    requests_changed      INTEGER NOT NULL,
    cost_before_micro_usd INTEGER NOT NULL,
    cost_after_micro_usd  INTEGER NOT NULL
);

-- Older versions removed Gemini CLI replies on `$rewindTo` and `$set.messages`; those
-- replies were billed. Reading every Gemini chat again from its start restores the ones
-- still on disk (rows are upserted by message id, so nothing counts twice).
DELETE FROM cursors WHERE source = 'gemini_files';
