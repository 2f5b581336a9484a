-- Polls attached to statuses (local and remote). A poll's id is its status's id.
-- `counts` holds the tally per option (JSON list): kept up to date by local votes,
-- and, for a remote poll, taken from the Question its author last sent.
CREATE TABLE polls (
    status_id TEXT PRIMARY KEY REFERENCES statuses(id) ON DELETE CASCADE,
    options TEXT NOT NULL,                  -- JSON list of titles
    counts TEXT NOT NULL,                   -- JSON list of vote counts, one per option
    multiple INTEGER NOT NULL DEFAULT 0,
    hide_totals INTEGER NOT NULL DEFAULT 0,
    expires_at REAL,
    voters_count INTEGER NOT NULL DEFAULT 0,
    updated_at REAL NOT NULL
) WITHOUT ROWID;

-- Votes cast here: by local accounts on any poll, and by remote accounts on local polls.
CREATE TABLE poll_votes (
    status_id TEXT NOT NULL REFERENCES statuses(id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    choice INTEGER NOT NULL,
    uri TEXT,
    created_at REAL NOT NULL,
    PRIMARY KEY (status_id, account_id, choice)
) WITHOUT ROWID;
CREATE INDEX poll_votes_account ON poll_votes (account_id, status_id);
