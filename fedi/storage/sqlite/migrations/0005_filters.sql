-- Keyword filters (Mastodon's v2 filters): a titled group of keywords applied in
-- some contexts, warning about or hiding the statuses they match.
CREATE TABLE filters (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    context TEXT NOT NULL DEFAULT '[]',     -- JSON list of home|notifications|public|thread|account
    filter_action TEXT NOT NULL DEFAULT 'warn'
        CHECK (filter_action IN ('warn', 'hide')),
    expires_at REAL,                        -- NULL: never expires
    created_at REAL NOT NULL
);
CREATE INDEX filters_account ON filters (account_id, id);

CREATE TABLE filter_keywords (
    id TEXT PRIMARY KEY,
    filter_id TEXT NOT NULL REFERENCES filters(id) ON DELETE CASCADE,
    keyword TEXT NOT NULL,
    whole_word INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX filter_keywords_filter ON filter_keywords (filter_id, id);

-- Direct-message conversations a reader removed from their list: hidden until a
-- status newer than last_status_id arrives in them.
CREATE TABLE hidden_conversations (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    conversation TEXT NOT NULL,             -- a status's `conversation`, or its uri
    last_status_id TEXT NOT NULL,
    PRIMARY KEY (account_id, conversation)
);
