-- Media uploaded by local accounts, attached to at most one status once posted.
-- Files live under [media] dir with random names; the content types served are the
-- ones recorded here, never guessed from the files.
CREATE TABLE media (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    status_id TEXT,                         -- NULL until attached to a status
    kind TEXT NOT NULL DEFAULT 'image'
        CHECK (kind IN ('image', 'video', 'gifv', 'audio', 'unknown')),
    content_type TEXT NOT NULL,
    file_name TEXT NOT NULL UNIQUE,
    thumb_name TEXT UNIQUE,
    thumb_content_type TEXT,
    size INTEGER NOT NULL,                  -- bytes of the stored original
    width INTEGER,
    height INTEGER,
    thumb_width INTEGER,
    thumb_height INTEGER,
    description TEXT,
    focus_x REAL,
    focus_y REAL,
    blurhash TEXT,
    created_at REAL NOT NULL
);
CREATE INDEX media_account ON media (account_id, id);
CREATE INDEX media_status ON media (status_id);
