-- Reading positions clients sync across devices.
CREATE TABLE markers (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    timeline TEXT NOT NULL,                 -- home | notifications
    last_read_id TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    updated_at REAL NOT NULL,
    PRIMARY KEY (account_id, timeline)
);

CREATE TABLE bookmarks (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    status_id TEXT NOT NULL REFERENCES statuses(id) ON DELETE CASCADE,
    UNIQUE (account_id, status_id)
);

CREATE TABLE mutes (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    target_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    notifications INTEGER NOT NULL DEFAULT 1,
    expires_at REAL,
    UNIQUE (account_id, target_id)
);

CREATE TABLE lists (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    replies_policy TEXT NOT NULL DEFAULT 'list',
    exclusive INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX lists_account ON lists (account_id);

CREATE TABLE list_accounts (
    list_id TEXT NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    PRIMARY KEY (list_id, account_id)
);
