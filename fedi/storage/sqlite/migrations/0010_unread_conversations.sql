-- Direct-message conversations with news for a reader: a direct status arriving in a
-- conversation puts it here for each local recipient but its author and takes it out
-- for its author; reading the conversation (or removing it from the list) takes it out.
CREATE TABLE unread_conversations (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    conversation TEXT NOT NULL,             -- a status's `conversation`, or its uri
    PRIMARY KEY (account_id, conversation)
) WITHOUT ROWID;
