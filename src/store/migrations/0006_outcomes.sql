-- agentdeck store, schema version 6: outcomes from git and code hosts, the alert engine.
-- Commits learn the branch they were found on, the commit that fixed them, and the
-- session that made them (OTel git_commit_id, else repository + branch + time).
ALTER TABLE commits ADD COLUMN branch TEXT;
ALTER TABLE commits ADD COLUMN fixed_by TEXT;
ALTER TABLE commits ADD COLUMN is_merge INTEGER NOT NULL DEFAULT 0;
CREATE INDEX commits_by_ts ON commits (ts);
CREATE INDEX commits_by_ticket ON commits (ticket_key) WHERE ticket_key IS NOT NULL;

ALTER TABLE pull_requests ADD COLUMN title_ticket TEXT;
ALTER TABLE pull_requests ADD COLUMN head_sha TEXT;
ALTER TABLE pull_requests ADD COLUMN merge_sha TEXT;
ALTER TABLE pull_requests ADD COLUMN branch TEXT;
ALTER TABLE deploys ADD COLUMN environment TEXT;
ALTER TABLE deploys ADD COLUMN source TEXT;
ALTER TABLE incidents ADD COLUMN source TEXT;

-- Alert engine: when a rule last notified for a subject (cooldown, one notification per
-- crossing), the alert's unit for display, who resolved it, and where it came from
-- (`local`, or a team server URL with the server's id).
ALTER TABLE alerts ADD COLUMN unit TEXT;
ALTER TABLE alerts ADD COLUMN resolved_by TEXT;
ALTER TABLE alerts ADD COLUMN resolve_note TEXT;
ALTER TABLE alerts ADD COLUMN origin TEXT NOT NULL DEFAULT 'local';
ALTER TABLE alerts ADD COLUMN remote_id INTEGER;
ALTER TABLE alerts ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX alerts_by_remote ON alerts (origin, remote_id) WHERE remote_id IS NOT NULL;

-- Webhook deliveries: one row per notification and target; failed ones after the last
-- retry stay with state 'dead' (the dead-letter record).
CREATE TABLE alert_deliveries (
    id          INTEGER PRIMARY KEY,
    alert_id    INTEGER NOT NULL,
    target      TEXT NOT NULL,               -- the webhook's name from config (never its URL)
    event       TEXT NOT NULL,               -- fired, resolved
    state       TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (alert_id, target, event)
);

-- Alert actions taken here on alerts owned by a team server, waiting to be sent to it.
CREATE TABLE alert_outbox (
    id          INTEGER PRIMARY KEY,
    origin      TEXT NOT NULL,
    remote_id   INTEGER NOT NULL,
    action      TEXT NOT NULL CHECK (action IN ('ack', 'snooze', 'resolve')),
    note        TEXT,
    until_ms    INTEGER,
    created_at  INTEGER NOT NULL,
    last_error  TEXT
);
