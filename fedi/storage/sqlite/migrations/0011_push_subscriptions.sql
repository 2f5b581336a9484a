-- Web Push: at most one subscription per access token (as Mastodon); it ends with the token.
CREATE TABLE push_subscriptions (
    id TEXT PRIMARY KEY,
    token_id TEXT NOT NULL UNIQUE REFERENCES tokens(id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    endpoint TEXT NOT NULL,
    p256dh TEXT NOT NULL,
    auth TEXT NOT NULL,
    standard INTEGER NOT NULL DEFAULT 0,
    alerts TEXT NOT NULL DEFAULT '{}',
    policy TEXT NOT NULL DEFAULT 'all',
    created_at REAL NOT NULL
);
CREATE INDEX push_subscriptions_account ON push_subscriptions (account_id);
