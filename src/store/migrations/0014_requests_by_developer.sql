-- A developer's requests in time order. Since keys became unique per owner (0013), the
-- (developer, dedupe_key) index led the planner to read every request a developer ever
-- made to find the last few hours of them (Live's burn rate: 60 ms at 10 M requests).
CREATE INDEX requests_by_developer_ts ON requests (developer, ts);
