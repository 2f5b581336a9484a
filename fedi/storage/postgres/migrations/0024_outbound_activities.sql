-- As SQLite's 0024: an activity sent to many servers is stored once, and its delivery jobs
-- name it by `ref`.
CREATE TABLE outbound_activities (
    id TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX outbound_activities_created ON outbound_activities (created_at);
ALTER TABLE jobs ADD COLUMN ref TEXT;
CREATE INDEX jobs_ref ON jobs (ref) WHERE ref IS NOT NULL;
