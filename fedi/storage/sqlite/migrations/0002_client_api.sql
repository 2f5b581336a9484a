-- OAuth applications registered by clients.
CREATE TABLE apps (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    website TEXT,
    redirect_uris TEXT NOT NULL,            -- newline-separated
    scopes TEXT NOT NULL,
    client_id TEXT NOT NULL UNIQUE,
    client_secret TEXT NOT NULL,
    created_at REAL NOT NULL
);

-- Authorization codes (stored hashed), single use, short-lived.
CREATE TABLE auth_codes (
    code_hash TEXT PRIMARY KEY,
    app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    redirect_uri TEXT NOT NULL,
    scopes TEXT NOT NULL,
    code_challenge TEXT,
    code_challenge_method TEXT,
    expires_at REAL NOT NULL,
    used INTEGER NOT NULL DEFAULT 0
);

-- Tokens may belong to an application alone (client_credentials grant).
CREATE TABLE tokens_v2 (
    id TEXT PRIMARY KEY,
    account_id TEXT REFERENCES accounts(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL DEFAULT 'read write follow push',
    app_id TEXT REFERENCES apps(id) ON DELETE CASCADE,
    created_at REAL NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0,
    last_used_at REAL
);
INSERT INTO tokens_v2 (id, account_id, token_hash, scopes, app_id, created_at, revoked)
    SELECT id, account_id, token_hash, scopes, NULL, created_at, revoked FROM tokens;
DROP TABLE tokens;
ALTER TABLE tokens_v2 RENAME TO tokens;
CREATE INDEX tokens_account ON tokens (account_id);

-- Precomputed home timelines: one row per (reader, status), written when a status arrives.
CREATE TABLE feeds (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    status_id TEXT NOT NULL REFERENCES statuses(id) ON DELETE CASCADE,
    PRIMARY KEY (account_id, status_id)
) WITHOUT ROWID;
CREATE INDEX feeds_status ON feeds (status_id);
