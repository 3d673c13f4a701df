-- Monthly budgets per project (config `[[project]] id, budget_usd_month`), judged like team
-- budgets (`teams.budget_micro_usd_month`) by `report budget` and the alert rules. Replaced
-- as a whole from the config on every start.
CREATE TABLE project_budgets (
    project_id             TEXT PRIMARY KEY,   -- as `report project` shows it
    budget_micro_usd_month INTEGER NOT NULL
);
