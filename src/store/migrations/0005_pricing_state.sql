-- Schema version 5: the price table stored costs were computed with (a fingerprint of
-- table + overrides + cost rules) and what the last reprice changed. A store without a
-- row here (every store built before version 5) is repriced on its next use.
CREATE TABLE pricing_state (
    id                    INTEGER PRIMARY KEY CHECK (id = 1),
    fingerprint           TEXT NOT NULL,
    repriced_at           INTEGER NOT NULL,
    requests_changed      INTEGER NOT NULL,
    cost_before_micro_usd INTEGER NOT NULL,
    cost_after_micro_usd  INTEGER NOT NULL
);
