-- Hashtags a local account follows: new public posts carrying one join its home feed.
CREATE TABLE followed_tags (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name TEXT NOT NULL,                 -- lowercase, as status_tags.name
    display_name TEXT NOT NULL,         -- as the follower wrote it
    created_at REAL NOT NULL,
    UNIQUE (account_id, name)
);
CREATE INDEX followed_tags_name ON followed_tags (name, account_id);

-- Hashtags shown on a local account's profile.
CREATE TABLE featured_tags (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name TEXT NOT NULL,                 -- lowercase
    display_name TEXT NOT NULL,
    created_at REAL NOT NULL,
    UNIQUE (account_id, name)
);

-- Accounts a local account features on its profile (Mastodon's endorsements, "pins").
CREATE TABLE endorsements (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    target_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at REAL NOT NULL,
    UNIQUE (account_id, target_id)
);

-- Only followed accounts can be endorsed, so an endorsement ends with the follow.
CREATE TRIGGER endorsements_follow_removed AFTER DELETE ON follows BEGIN
    DELETE FROM endorsements WHERE account_id = OLD.follower_id AND target_id = OLD.target_id;
END;

-- Follow suggestions an account has dismissed; they are not suggested again.
CREATE TABLE suggestion_dismissals (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    target_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at REAL NOT NULL,
    PRIMARY KEY (account_id, target_id)
) WITHOUT ROWID;
