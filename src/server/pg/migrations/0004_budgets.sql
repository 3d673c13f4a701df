-- agentdeck team server on PostgreSQL, schema version 4: the monthly budgets the budget
-- alert rules judge against, as the server's config file sets them (`[[team]]` and
-- `[[project]]` budget_usd_month); `serve` replaces them all at start. Money is integer
-- micro-USD, as everywhere.

CREATE TABLE budgets (
    scope                  TEXT NOT NULL CHECK (scope IN ('team', 'project')),
    key                    TEXT NOT NULL,            -- the team name or project id
    budget_micro_usd_month BIGINT NOT NULL CHECK (budget_micro_usd_month > 0),
    PRIMARY KEY (scope, key)
);
