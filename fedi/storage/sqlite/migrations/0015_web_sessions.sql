-- Signed-in browser sessions (the cookie holds a random token; only its hash is kept),
-- invitation links, and the reason a person gave when asking to join.
CREATE TABLE web_sessions (
    token_hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    user_agent TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    last_seen_at REAL NOT NULL
) WITHOUT ROWID;
CREATE INDEX web_sessions_account ON web_sessions (account_id);

CREATE TABLE invites (
    code TEXT PRIMARY KEY,
    created_by TEXT REFERENCES accounts(id) ON DELETE SET NULL,
    max_uses INTEGER,
    uses INTEGER NOT NULL DEFAULT 0,
    expires_at REAL,
    created_at REAL NOT NULL
) WITHOUT ROWID;

ALTER TABLE users ADD COLUMN reason TEXT NOT NULL DEFAULT '';
