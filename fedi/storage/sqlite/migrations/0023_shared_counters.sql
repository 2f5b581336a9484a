-- Counters every process shares: Idempotency-Key headers of the client API (the first request
-- with a key claims it, result NULL while it runs; the others wait for its result) and
-- client API requests per rate-limit key and window.
CREATE TABLE idempotency_keys (
    account_id TEXT NOT NULL,
    key TEXT NOT NULL,
    result TEXT,
    created_at REAL NOT NULL,
    PRIMARY KEY (account_id, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- Client API requests per rate-limit key and window, added up by every process.
CREATE TABLE rate_counts (
    key TEXT NOT NULL,
    window_start REAL NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (key, window_start)
) WITHOUT ROWID;
CREATE INDEX rate_counts_window ON rate_counts (window_start);
