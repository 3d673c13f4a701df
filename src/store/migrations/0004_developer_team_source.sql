-- Whether a developer's team was learned from a team server's sync pages (1) or set here by
-- config, the demo or telemetry identity (0). A server may move a developer it taught us
-- about to another team; it never overrides a team set locally.
ALTER TABLE developers ADD COLUMN team_from_server INTEGER NOT NULL DEFAULT 0;
