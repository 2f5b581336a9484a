-- Accounts: local and remote actors in one table, like Mastodon.
CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    uri TEXT NOT NULL UNIQUE,
    username TEXT NOT NULL,
    domain TEXT,                        -- NULL for local accounts
    display_name TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',      -- sanitized HTML
    url TEXT,
    actor_type TEXT NOT NULL DEFAULT 'Person',
    inbox_url TEXT,
    shared_inbox_url TEXT,
    outbox_url TEXT,
    followers_url TEXT,
    following_url TEXT,
    featured_url TEXT,
    public_key_id TEXT,
    public_key_pem TEXT,
    locked INTEGER NOT NULL DEFAULT 0,
    discoverable INTEGER NOT NULL DEFAULT 1,
    bot INTEGER NOT NULL DEFAULT 0,
    avatar_url TEXT,
    header_url TEXT,
    fields TEXT NOT NULL DEFAULT '[]',          -- JSON [{name, value}]
    also_known_as TEXT NOT NULL DEFAULT '[]',   -- JSON [uri]
    published TEXT,
    suspended INTEGER NOT NULL DEFAULT 0,
    fetched_at REAL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE UNIQUE INDEX accounts_handle ON accounts (lower(username), ifnull(domain, ''));
CREATE INDEX accounts_key ON accounts (public_key_id);
CREATE INDEX accounts_domain ON accounts (domain);

-- Credentials and keys of local accounts.
CREATE TABLE users (
    account_id TEXT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    admin INTEGER NOT NULL DEFAULT 0,
    approved INTEGER NOT NULL DEFAULT 1,
    private_key_pem TEXT NOT NULL,
    default_visibility TEXT NOT NULL DEFAULT 'public',
    created_at REAL NOT NULL
);

CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL DEFAULT 'read write follow push',
    app_id TEXT,
    created_at REAL NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE follows (
    id TEXT PRIMARY KEY,
    follower_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    target_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    state TEXT NOT NULL,                -- 'pending' | 'accepted'
    uri TEXT NOT NULL UNIQUE,           -- the Follow activity id
    note TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    UNIQUE (follower_id, target_id)
);
CREATE INDEX follows_target ON follows (target_id, state);

CREATE TABLE blocks (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    target_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    uri TEXT NOT NULL UNIQUE,
    created_at REAL NOT NULL,
    UNIQUE (account_id, target_id)
);

CREATE TABLE statuses (
    id TEXT PRIMARY KEY,
    uri TEXT NOT NULL UNIQUE,
    url TEXT,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    local INTEGER NOT NULL,
    object_type TEXT NOT NULL DEFAULT 'Note',
    in_reply_to_uri TEXT,
    in_reply_to_id TEXT,
    in_reply_to_account_id TEXT,
    reblog_of_id TEXT REFERENCES statuses(id) ON DELETE CASCADE,
    content TEXT NOT NULL DEFAULT '',   -- sanitized HTML
    source TEXT,                        -- local plain text as written
    summary TEXT NOT NULL DEFAULT '',
    sensitive INTEGER NOT NULL DEFAULT 0,
    visibility TEXT NOT NULL,           -- public | unlisted | private | direct
    language TEXT,
    conversation TEXT,
    published REAL NOT NULL,
    edited_at REAL,
    attachments TEXT NOT NULL DEFAULT '[]',
    created_at REAL NOT NULL
);
CREATE INDEX statuses_account ON statuses (account_id, id);
CREATE INDEX statuses_reply ON statuses (in_reply_to_uri);
CREATE INDEX statuses_reblog ON statuses (reblog_of_id);
CREATE INDEX statuses_public ON statuses (visibility, id);

CREATE TABLE status_edits (
    id TEXT PRIMARY KEY,
    status_id TEXT NOT NULL REFERENCES statuses(id) ON DELETE CASCADE,
    content TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    sensitive INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL
);

CREATE TABLE mentions (
    status_id TEXT NOT NULL REFERENCES statuses(id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    PRIMARY KEY (status_id, account_id)
);
CREATE INDEX mentions_account ON mentions (account_id);

CREATE TABLE status_tags (
    status_id TEXT NOT NULL REFERENCES statuses(id) ON DELETE CASCADE,
    name TEXT NOT NULL,                 -- lowercase
    PRIMARY KEY (status_id, name)
);
CREATE INDEX status_tags_name ON status_tags (name, status_id);

CREATE TABLE favourites (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    status_id TEXT NOT NULL REFERENCES statuses(id) ON DELETE CASCADE,
    uri TEXT NOT NULL UNIQUE,
    created_at REAL NOT NULL,
    UNIQUE (account_id, status_id)
);
CREATE INDEX favourites_status ON favourites (status_id);

CREATE TABLE pins (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    status_id TEXT NOT NULL REFERENCES statuses(id) ON DELETE CASCADE,
    created_at REAL NOT NULL,
    PRIMARY KEY (account_id, status_id)
);

-- Activities published by local actors, dereferenceable at their ids.
CREATE TABLE activities (
    id TEXT PRIMARY KEY,
    uri TEXT NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    object_uri TEXT,
    visibility TEXT NOT NULL,
    status_id TEXT,
    body TEXT NOT NULL,                 -- JSON
    created_at REAL NOT NULL
);
CREATE INDEX activities_account ON activities (account_id, id);
CREATE INDEX activities_object ON activities (object_uri);

-- Activities received for a local account (its inbox collection).
CREATE TABLE inbox_items (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    activity_uri TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at REAL NOT NULL,
    UNIQUE (account_id, activity_uri)
);
CREATE INDEX inbox_items_account ON inbox_items (account_id, id);

CREATE TABLE notifications (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    from_account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    status_id TEXT REFERENCES statuses(id) ON DELETE CASCADE,
    created_at REAL NOT NULL
);
CREATE INDEX notifications_account ON notifications (account_id, id);

-- Durable jobs: inbound processing and outbound delivery.
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    queue TEXT NOT NULL,
    dedup_key TEXT UNIQUE,
    host TEXT,
    payload TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',   -- pending | done | failed
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    lease_until REAL,
    last_error TEXT,
    created_at REAL NOT NULL,
    finished_at REAL
);
CREATE INDEX jobs_ready ON jobs (queue, state, next_attempt_at);
CREATE INDEX jobs_finished ON jobs (state, finished_at);

CREATE TABLE hosts (
    domain TEXT PRIMARY KEY,
    failures INTEGER NOT NULL DEFAULT 0,
    first_failure_at REAL,
    last_failure_at REAL,
    last_success_at REAL,
    unavailable INTEGER NOT NULL DEFAULT 0,
    signature_scheme TEXT
);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
