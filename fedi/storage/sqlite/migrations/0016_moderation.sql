-- Moderation by the instance's admins: limited ("silenced") accounts, suspensions that
-- outlive refreshes of a remote actor, domain blocks and allowed domains set at run time,
-- and who resolved a report.
ALTER TABLE accounts ADD COLUMN silenced INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN suspended_at REAL;  -- when an admin suspended the account
CREATE INDEX accounts_silenced ON accounts (id) WHERE silenced = 1;

-- A fresh copy of a remote actor's document rewrites `suspended`; an admin's suspension
-- (marked by suspended_at) stands until an admin lifts it, clearing both together.
CREATE TRIGGER accounts_keep_suspension AFTER UPDATE OF suspended ON accounts
WHEN NEW.suspended = 0 AND NEW.suspended_at IS NOT NULL
BEGIN
    UPDATE accounts SET suspended = 1 WHERE id = NEW.id;
END;

-- Domains (with their subdomains) this instance does not federate with, on top of
-- [federation] blocked_domains in the configuration.
CREATE TABLE instance_domain_blocks (
    domain TEXT PRIMARY KEY,
    comment TEXT NOT NULL DEFAULT '',   -- a note for the admins, never published
    created_by TEXT REFERENCES accounts(id) ON DELETE SET NULL,
    created_at REAL NOT NULL
) WITHOUT ROWID;

-- Domains that federate in allowlist mode, on top of [federation] allowed_domains.
CREATE TABLE instance_allowed_domains (
    domain TEXT PRIMARY KEY,
    created_by TEXT REFERENCES accounts(id) ON DELETE SET NULL,
    created_at REAL NOT NULL
) WITHOUT ROWID;

ALTER TABLE reports ADD COLUMN action_taken_by TEXT REFERENCES accounts(id) ON DELETE SET NULL;
