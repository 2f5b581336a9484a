-- An activity sent to many servers is stored once: each delivery job names it by `ref`
-- instead of carrying a copy of it. A body is removed once no pending job refers to it.
CREATE TABLE outbound_activities (
    id TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE INDEX outbound_activities_created ON outbound_activities (created_at);
ALTER TABLE jobs ADD COLUMN ref TEXT;
CREATE INDEX jobs_ref ON jobs (ref) WHERE ref IS NOT NULL;
