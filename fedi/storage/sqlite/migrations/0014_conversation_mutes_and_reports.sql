-- Threads a local account muted: no notifications come from statuses in them. A thread is
-- keyed as conversations are: a status's `conversation`, or its uri when it has none.
CREATE TABLE conversation_mutes (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    conversation TEXT NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (account_id, conversation)
) WITHOUT ROWID;

-- Reports about accounts (and some of their statuses) for the moderators of this instance:
-- filed by local accounts through the client API, or received from other servers as Flag.
CREATE TABLE reports (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,         -- who reported
    target_account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,  -- who is reported
    status_ids TEXT NOT NULL DEFAULT '[]',       -- JSON list of status ids
    comment TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL DEFAULT 'other',      -- spam | legal | violation | other
    rule_ids TEXT,                               -- JSON list, or NULL
    forwarded INTEGER NOT NULL DEFAULT 0,        -- a Flag was sent to the target's server
    uri TEXT,                                    -- the Flag's id (sent or received)
    action_taken INTEGER NOT NULL DEFAULT 0,
    action_taken_at REAL,
    created_at REAL NOT NULL,
    UNIQUE (uri, target_account_id)
);
CREATE INDEX reports_open ON reports (action_taken, id);
CREATE INDEX reports_target ON reports (target_account_id, id);
