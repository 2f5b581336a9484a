-- The whole PostgreSQL schema, equivalent to the SQLite schema after its migrations
-- 0001 … 0022 (fedi/storage/sqlite/migrations). Later PostgreSQL migrations follow SQLite's,
-- number by number. The repositories run the same SQL on both backends, so:
--   * SQLite INTEGER is BIGINT (64-bit; booleans stay 0/1 integers, never BOOLEAN),
--     REAL is DOUBLE PRECISION, BLOB is BYTEA, TEXT stays TEXT;
--   * tables, columns (in SQLite's order), defaults, keys, checks, index and trigger names
--     are SQLite's; each SQLite trigger is a plpgsql function `<trigger>_fn` and a row
--     trigger with the same event, columns and WHEN clause;
--   * no column is an identity column: every key is given by the code (ids are strings).
-- Text ordering (keyset paging on `id < ?`) assumes the database's collation is "C" (or
-- C.UTF-8), which orders like SQLite's BINARY collation.

-- Kept by the migration runner (fedi.storage.postgres.db creates it first, the same way).
CREATE TABLE IF NOT EXISTS schema_migrations (
    version BIGINT PRIMARY KEY,
    name TEXT,
    applied_at DOUBLE PRECISION
);

-- 0001 ---------------------------------------------------------------------------------

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
    locked BIGINT NOT NULL DEFAULT 0,
    discoverable BIGINT NOT NULL DEFAULT 1,
    bot BIGINT NOT NULL DEFAULT 0,
    avatar_url TEXT,
    header_url TEXT,
    fields TEXT NOT NULL DEFAULT '[]',          -- JSON [{name, value}]
    also_known_as TEXT NOT NULL DEFAULT '[]',   -- JSON [uri]
    published TEXT,
    suspended BIGINT NOT NULL DEFAULT 0,
    fetched_at DOUBLE PRECISION,
    created_at DOUBLE PRECISION NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL,
    silenced BIGINT NOT NULL DEFAULT 0,             -- 0016
    suspended_at DOUBLE PRECISION,                  -- 0016: when an admin suspended the account
    version BIGINT NOT NULL DEFAULT 0               -- 0020
);
-- SQLite: (lower(username), ifnull(domain, '')). Queries must write coalesce(domain, '') to
-- use it. PostgreSQL's lower() also folds non-ASCII letters, SQLite's only ASCII ones.
CREATE UNIQUE INDEX accounts_handle ON accounts (lower(username), coalesce(domain, ''));
CREATE INDEX accounts_key ON accounts (public_key_id);
CREATE INDEX accounts_domain ON accounts (domain);

-- Credentials and keys of local accounts.
-- SQLite declares `email TEXT NOT NULL UNIQUE COLLATE NOCASE`: unique whatever the case, and
-- `email = ?` compares without case there. PostgreSQL has no NOCASE: uniqueness is kept by
-- the unique index users_email_lower on lower(email), and a lookup must compare
-- lower(email) = lower(?) to be case-insensitive (and to use that index).
CREATE TABLE users (
    account_id TEXT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    admin BIGINT NOT NULL DEFAULT 0,
    approved BIGINT NOT NULL DEFAULT 1,
    private_key_pem TEXT NOT NULL,
    default_visibility TEXT NOT NULL DEFAULT 'public',
    created_at DOUBLE PRECISION NOT NULL,
    reason TEXT NOT NULL DEFAULT ''                 -- 0015
);
CREATE UNIQUE INDEX users_email_lower ON users (lower(email));

CREATE TABLE follows (
    id TEXT PRIMARY KEY,
    follower_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    target_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    state TEXT NOT NULL,                -- 'pending' | 'accepted'
    uri TEXT NOT NULL UNIQUE,           -- the Follow activity id
    note TEXT NOT NULL DEFAULT '',
    created_at DOUBLE PRECISION NOT NULL,
    notify BIGINT NOT NULL DEFAULT 0,               -- 0009
    UNIQUE (follower_id, target_id)
);
CREATE INDEX follows_target ON follows (target_id, state);

CREATE TABLE blocks (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    target_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    uri TEXT NOT NULL UNIQUE,
    created_at DOUBLE PRECISION NOT NULL,
    UNIQUE (account_id, target_id)
);

CREATE TABLE statuses (
    id TEXT PRIMARY KEY,
    uri TEXT NOT NULL UNIQUE,
    url TEXT,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    local BIGINT NOT NULL,
    object_type TEXT NOT NULL DEFAULT 'Note',
    in_reply_to_uri TEXT,
    in_reply_to_id TEXT,
    in_reply_to_account_id TEXT,
    reblog_of_id TEXT REFERENCES statuses(id) ON DELETE CASCADE,
    content TEXT NOT NULL DEFAULT '',   -- sanitized HTML
    source TEXT,                        -- local plain text as written
    summary TEXT NOT NULL DEFAULT '',
    sensitive BIGINT NOT NULL DEFAULT 0,
    visibility TEXT NOT NULL,           -- public | unlisted | private | direct
    language TEXT,
    conversation TEXT,
    published DOUBLE PRECISION NOT NULL,
    edited_at DOUBLE PRECISION,
    attachments TEXT NOT NULL DEFAULT '[]',
    created_at DOUBLE PRECISION NOT NULL,
    version BIGINT NOT NULL DEFAULT 0               -- 0021
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
    sensitive BIGINT NOT NULL DEFAULT 0,
    created_at DOUBLE PRECISION NOT NULL
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
    created_at DOUBLE PRECISION NOT NULL,
    UNIQUE (account_id, status_id)
);
CREATE INDEX favourites_status ON favourites (status_id);

CREATE TABLE pins (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    status_id TEXT NOT NULL REFERENCES statuses(id) ON DELETE CASCADE,
    created_at DOUBLE PRECISION NOT NULL,
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
    created_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX activities_account ON activities (account_id, id);
CREATE INDEX activities_object ON activities (object_uri);

-- Activities received for a local account (its inbox collection).
CREATE TABLE inbox_items (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    activity_uri TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    UNIQUE (account_id, activity_uri)
);
CREATE INDEX inbox_items_account ON inbox_items (account_id, id);

CREATE TABLE notifications (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    type TEXT NOT NULL,
    from_account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    status_id TEXT REFERENCES statuses(id) ON DELETE CASCADE,
    created_at DOUBLE PRECISION NOT NULL
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
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at DOUBLE PRECISION NOT NULL,
    lease_until DOUBLE PRECISION,
    last_error TEXT,
    created_at DOUBLE PRECISION NOT NULL,
    finished_at DOUBLE PRECISION
);
CREATE INDEX jobs_ready ON jobs (queue, state, next_attempt_at);
CREATE INDEX jobs_finished ON jobs (state, finished_at);

CREATE TABLE hosts (
    domain TEXT PRIMARY KEY,
    failures BIGINT NOT NULL DEFAULT 0,
    first_failure_at DOUBLE PRECISION,
    last_failure_at DOUBLE PRECISION,
    last_success_at DOUBLE PRECISION,
    unavailable BIGINT NOT NULL DEFAULT 0,
    signature_scheme TEXT
);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- 0002 ---------------------------------------------------------------------------------

-- OAuth applications registered by clients.
CREATE TABLE apps (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    website TEXT,
    redirect_uris TEXT NOT NULL,            -- newline-separated
    scopes TEXT NOT NULL,
    client_id TEXT NOT NULL UNIQUE,
    client_secret TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL
);

-- Authorization codes (stored hashed), single use, short-lived.
CREATE TABLE auth_codes (
    code_hash TEXT PRIMARY KEY,
    app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    redirect_uri TEXT NOT NULL,
    scopes TEXT NOT NULL,
    code_challenge TEXT,
    code_challenge_method TEXT,
    expires_at DOUBLE PRECISION NOT NULL,
    used BIGINT NOT NULL DEFAULT 0
);

-- Tokens may belong to an application alone (client_credentials grant). (SQLite built this
-- as tokens_v2, copied the 0001 tokens into it and renamed it.)
CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    account_id TEXT REFERENCES accounts(id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    scopes TEXT NOT NULL DEFAULT 'read write follow push',
    app_id TEXT REFERENCES apps(id) ON DELETE CASCADE,
    created_at DOUBLE PRECISION NOT NULL,
    revoked BIGINT NOT NULL DEFAULT 0,
    last_used_at DOUBLE PRECISION
);
CREATE INDEX tokens_account ON tokens (account_id);

-- Precomputed home timelines: one row per (reader, status), written when a status arrives.
CREATE TABLE feeds (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    status_id TEXT NOT NULL REFERENCES statuses(id) ON DELETE CASCADE,
    PRIMARY KEY (account_id, status_id)
);
CREATE INDEX feeds_status ON feeds (status_id);

-- 0003 ---------------------------------------------------------------------------------

-- Media uploaded by local accounts, attached to at most one status once posted.
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
    size BIGINT NOT NULL,                   -- bytes of the stored original
    width BIGINT,
    height BIGINT,
    thumb_width BIGINT,
    thumb_height BIGINT,
    description TEXT,
    focus_x DOUBLE PRECISION,
    focus_y DOUBLE PRECISION,
    blurhash TEXT,
    created_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX media_account ON media (account_id, id);
CREATE INDEX media_status ON media (status_id);

-- 0004 ---------------------------------------------------------------------------------

-- Reading positions clients sync across devices.
CREATE TABLE markers (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    timeline TEXT NOT NULL,                 -- home | notifications
    last_read_id TEXT NOT NULL,
    version BIGINT NOT NULL DEFAULT 1,
    updated_at DOUBLE PRECISION NOT NULL,
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
    notifications BIGINT NOT NULL DEFAULT 1,
    expires_at DOUBLE PRECISION,
    UNIQUE (account_id, target_id)
);

CREATE TABLE lists (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    replies_policy TEXT NOT NULL DEFAULT 'list',
    exclusive BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX lists_account ON lists (account_id);

CREATE TABLE list_accounts (
    list_id TEXT NOT NULL REFERENCES lists(id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    PRIMARY KEY (list_id, account_id)
);
-- 0008: finding the lists that include an account.
CREATE INDEX list_accounts_account ON list_accounts (account_id);

-- 0005 ---------------------------------------------------------------------------------

-- Keyword filters (Mastodon's v2 filters).
CREATE TABLE filters (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    context TEXT NOT NULL DEFAULT '[]',     -- JSON list of home|notifications|public|thread|account
    filter_action TEXT NOT NULL DEFAULT 'warn'
        CHECK (filter_action IN ('warn', 'hide')),
    expires_at DOUBLE PRECISION,            -- NULL: never expires
    created_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX filters_account ON filters (account_id, id);

CREATE TABLE filter_keywords (
    id TEXT PRIMARY KEY,
    filter_id TEXT NOT NULL REFERENCES filters(id) ON DELETE CASCADE,
    keyword TEXT NOT NULL,
    whole_word BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX filter_keywords_filter ON filter_keywords (filter_id, id);

-- Direct-message conversations a reader removed from their list.
CREATE TABLE hidden_conversations (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    conversation TEXT NOT NULL,             -- a status's `conversation`, or its uri
    last_status_id TEXT NOT NULL,
    PRIMARY KEY (account_id, conversation)
);

-- 0006 ---------------------------------------------------------------------------------

-- Per-account counters kept by triggers, so rendering an account never counts rows.
CREATE TABLE account_stats (
    account_id TEXT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    statuses_count BIGINT NOT NULL DEFAULT 0,   -- own posts, boosts excluded
    followers_count BIGINT NOT NULL DEFAULT 0,
    following_count BIGINT NOT NULL DEFAULT 0,
    last_status_at DOUBLE PRECISION
);

-- 0007 ---------------------------------------------------------------------------------

-- Polls attached to statuses (local and remote). A poll's id is its status's id.
CREATE TABLE polls (
    status_id TEXT PRIMARY KEY REFERENCES statuses(id) ON DELETE CASCADE,
    options TEXT NOT NULL,                  -- JSON list of titles
    counts TEXT NOT NULL,                   -- JSON list of vote counts, one per option
    multiple BIGINT NOT NULL DEFAULT 0,
    hide_totals BIGINT NOT NULL DEFAULT 0,
    expires_at DOUBLE PRECISION,
    voters_count BIGINT NOT NULL DEFAULT 0,
    updated_at DOUBLE PRECISION NOT NULL
);

-- Votes cast here: by local accounts on any poll, and by remote accounts on local polls.
CREATE TABLE poll_votes (
    status_id TEXT NOT NULL REFERENCES statuses(id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    choice BIGINT NOT NULL,
    uri TEXT,
    created_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (status_id, account_id, choice)
);
CREATE INDEX poll_votes_account ON poll_votes (account_id, status_id);

-- 0010 ---------------------------------------------------------------------------------

-- Direct-message conversations with news for a reader.
CREATE TABLE unread_conversations (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    conversation TEXT NOT NULL,             -- a status's `conversation`, or its uri
    PRIMARY KEY (account_id, conversation)
);

-- 0011 ---------------------------------------------------------------------------------

-- Web Push: at most one subscription per access token (as Mastodon); it ends with the token.
CREATE TABLE push_subscriptions (
    id TEXT PRIMARY KEY,
    token_id TEXT NOT NULL UNIQUE REFERENCES tokens(id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    endpoint TEXT NOT NULL,
    p256dh TEXT NOT NULL,
    auth TEXT NOT NULL,
    standard BIGINT NOT NULL DEFAULT 0,
    alerts TEXT NOT NULL DEFAULT '{}',
    policy TEXT NOT NULL DEFAULT 'all',
    created_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX push_subscriptions_account ON push_subscriptions (account_id);

-- 0012 ---------------------------------------------------------------------------------

-- Hashtags a local account follows: new public posts carrying one join its home feed.
CREATE TABLE followed_tags (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name TEXT NOT NULL,                 -- lowercase, as status_tags.name
    display_name TEXT NOT NULL,         -- as the follower wrote it
    created_at DOUBLE PRECISION NOT NULL,
    UNIQUE (account_id, name)
);
CREATE INDEX followed_tags_name ON followed_tags (name, account_id);

-- Hashtags shown on a local account's profile.
CREATE TABLE featured_tags (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name TEXT NOT NULL,                 -- lowercase
    display_name TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    UNIQUE (account_id, name)
);

-- Accounts a local account features on its profile (Mastodon's endorsements, "pins").
CREATE TABLE endorsements (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    target_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at DOUBLE PRECISION NOT NULL,
    UNIQUE (account_id, target_id)
);

-- Follow suggestions an account has dismissed; they are not suggested again.
CREATE TABLE suggestion_dismissals (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    target_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    created_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (account_id, target_id)
);

-- 0013 ---------------------------------------------------------------------------------

-- Private notes a local account keeps about other accounts (the Relationship's `note`).
CREATE TABLE account_notes (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    target_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    comment TEXT NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (account_id, target_id)
);

-- Domains a local account has blocked: the accounts there are hidden from it.
CREATE TABLE account_domain_blocks (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    domain TEXT NOT NULL,               -- lowercase host[:port], as accounts.domain
    created_at DOUBLE PRECISION NOT NULL,
    UNIQUE (account_id, domain)
);
CREATE INDEX account_domain_blocks_page ON account_domain_blocks (account_id, id);

-- 0014 ---------------------------------------------------------------------------------

-- Threads a local account muted.
CREATE TABLE conversation_mutes (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    conversation TEXT NOT NULL,
    created_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (account_id, conversation)
);

-- Reports about accounts (and some of their statuses) for the moderators of this instance.
CREATE TABLE reports (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,         -- who reported
    target_account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,  -- who is reported
    status_ids TEXT NOT NULL DEFAULT '[]',       -- JSON list of status ids
    comment TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL DEFAULT 'other',      -- spam | legal | violation | other
    rule_ids TEXT,                               -- JSON list, or NULL
    forwarded BIGINT NOT NULL DEFAULT 0,         -- a Flag was sent to the target's server
    uri TEXT,                                    -- the Flag's id (sent or received)
    action_taken BIGINT NOT NULL DEFAULT 0,
    action_taken_at DOUBLE PRECISION,
    created_at DOUBLE PRECISION NOT NULL,
    action_taken_by TEXT REFERENCES accounts(id) ON DELETE SET NULL,   -- 0016
    UNIQUE (uri, target_account_id)
);
CREATE INDEX reports_open ON reports (action_taken, id);
CREATE INDEX reports_target ON reports (target_account_id, id);

-- 0015 ---------------------------------------------------------------------------------

-- Signed-in browser sessions (the cookie holds a random token; only its hash is kept).
CREATE TABLE web_sessions (
    token_hash TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    user_agent TEXT NOT NULL DEFAULT '',
    created_at DOUBLE PRECISION NOT NULL,
    last_seen_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX web_sessions_account ON web_sessions (account_id);

CREATE TABLE invites (
    code TEXT PRIMARY KEY,
    created_by TEXT REFERENCES accounts(id) ON DELETE SET NULL,
    max_uses BIGINT,
    uses BIGINT NOT NULL DEFAULT 0,
    expires_at DOUBLE PRECISION,
    created_at DOUBLE PRECISION NOT NULL
);

-- 0016 ---------------------------------------------------------------------------------

CREATE INDEX accounts_silenced ON accounts (id) WHERE silenced = 1;

-- Domains (with their subdomains) this instance does not federate with.
CREATE TABLE instance_domain_blocks (
    domain TEXT PRIMARY KEY,
    comment TEXT NOT NULL DEFAULT '',   -- a note for the admins, never published
    created_by TEXT REFERENCES accounts(id) ON DELETE SET NULL,
    created_at DOUBLE PRECISION NOT NULL
);

-- Domains that federate in allowlist mode.
CREATE TABLE instance_allowed_domains (
    domain TEXT PRIMARY KEY,
    created_by TEXT REFERENCES accounts(id) ON DELETE SET NULL,
    created_at DOUBLE PRECISION NOT NULL
);

-- 0017 ---------------------------------------------------------------------------------

-- Structured professional profiles.
CREATE TABLE professional_profiles (
    account_id TEXT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    headline TEXT NOT NULL DEFAULT '',
    position TEXT NOT NULL DEFAULT '',      -- current job title
    organization TEXT NOT NULL DEFAULT '',  -- current employer
    location TEXT NOT NULL DEFAULT '',
    updated_at DOUBLE PRECISION NOT NULL
);

CREATE TABLE profile_skills (
    account_id TEXT NOT NULL REFERENCES professional_profiles(account_id) ON DELETE CASCADE,
    position BIGINT NOT NULL,               -- order on the profile, from 0
    name TEXT NOT NULL,
    PRIMARY KEY (account_id, position)
);
CREATE INDEX profile_skills_name ON profile_skills (lower(name));

CREATE TABLE profile_experience (
    account_id TEXT NOT NULL REFERENCES professional_profiles(account_id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    role TEXT NOT NULL,
    organization TEXT NOT NULL DEFAULT '',
    start_date TEXT NOT NULL DEFAULT '',    -- "YYYY" or "YYYY-MM"
    end_date TEXT NOT NULL DEFAULT '',      -- '' while current
    description TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (account_id, position)
);

CREATE TABLE profile_education (
    account_id TEXT NOT NULL REFERENCES professional_profiles(account_id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    school TEXT NOT NULL,
    degree TEXT NOT NULL DEFAULT '',
    start_year BIGINT,
    end_year BIGINT,
    PRIMARY KEY (account_id, position)
);

-- Finding the account a profile link points to (linked identities).
CREATE INDEX accounts_url ON accounts (url);

-- 0018 ---------------------------------------------------------------------------------

-- Signatures of accepted inbox deliveries, kept while they could still verify.
CREATE TABLE seen_signatures (
    fingerprint BYTEA PRIMARY KEY,  -- SHA-256 of the signature bytes
    expires_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX seen_signatures_expiry ON seen_signatures (expires_at);

-- 0019 ---------------------------------------------------------------------------------

CREATE INDEX notifications_group ON notifications (account_id, type, status_id, id);

-- 0022 ---------------------------------------------------------------------------------

CREATE INDEX statuses_versions ON statuses (id, version, reblog_of_id);
CREATE INDEX accounts_versions ON accounts (id, version);
CREATE INDEX statuses_account_boosts ON statuses (account_id, reblog_of_id) WHERE reblog_of_id IS NOT NULL;

-- Triggers ------------------------------------------------------------------------------
-- SQLite triggers are row triggers; each one here is FOR EACH ROW with SQLite's event,
-- column list and WHEN clause. SQLite's `INSERT OR IGNORE` is `ON CONFLICT DO NOTHING`,
-- its two-argument max() is greatest(), a boolean used as a number is a CASE of 1 and 0.

-- 0006: account_stats_new_account AFTER INSERT ON accounts
CREATE FUNCTION account_stats_new_account_fn() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO account_stats (account_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
    RETURN NULL;
END;
$$;
CREATE TRIGGER account_stats_new_account AFTER INSERT ON accounts
FOR EACH ROW EXECUTE FUNCTION account_stats_new_account_fn();

-- 0006: account_stats_status_added AFTER INSERT ON statuses
-- (published is NOT NULL, so greatest(), which skips NULLs, equals SQLite's max() here.)
CREATE FUNCTION account_stats_status_added_fn() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO account_stats (account_id) VALUES (NEW.account_id) ON CONFLICT DO NOTHING;
    UPDATE account_stats
       SET statuses_count = statuses_count + (CASE WHEN NEW.reblog_of_id IS NULL THEN 1 ELSE 0 END),
           last_status_at = greatest(coalesce(last_status_at, 0), NEW.published)
     WHERE account_id = NEW.account_id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER account_stats_status_added AFTER INSERT ON statuses
FOR EACH ROW EXECUTE FUNCTION account_stats_status_added_fn();

-- 0006: account_stats_status_removed AFTER DELETE ON statuses (never below zero)
CREATE FUNCTION account_stats_status_removed_fn() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE account_stats
       SET statuses_count = greatest(0, statuses_count - (CASE WHEN OLD.reblog_of_id IS NULL THEN 1 ELSE 0 END))
     WHERE account_id = OLD.account_id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER account_stats_status_removed AFTER DELETE ON statuses
FOR EACH ROW EXECUTE FUNCTION account_stats_status_removed_fn();

-- 0006: account_stats_follow_added AFTER INSERT ON follows WHEN NEW.state = 'accepted'
CREATE FUNCTION account_stats_follow_added_fn() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO account_stats (account_id) VALUES (NEW.target_id) ON CONFLICT DO NOTHING;
    INSERT INTO account_stats (account_id) VALUES (NEW.follower_id) ON CONFLICT DO NOTHING;
    UPDATE account_stats SET followers_count = followers_count + 1 WHERE account_id = NEW.target_id;
    UPDATE account_stats SET following_count = following_count + 1 WHERE account_id = NEW.follower_id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER account_stats_follow_added AFTER INSERT ON follows
FOR EACH ROW WHEN (NEW.state = 'accepted')
EXECUTE FUNCTION account_stats_follow_added_fn();

-- 0006: account_stats_follow_accepted AFTER UPDATE OF state ON follows
--       WHEN OLD.state != 'accepted' AND NEW.state = 'accepted'
CREATE FUNCTION account_stats_follow_accepted_fn() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO account_stats (account_id) VALUES (NEW.target_id) ON CONFLICT DO NOTHING;
    INSERT INTO account_stats (account_id) VALUES (NEW.follower_id) ON CONFLICT DO NOTHING;
    UPDATE account_stats SET followers_count = followers_count + 1 WHERE account_id = NEW.target_id;
    UPDATE account_stats SET following_count = following_count + 1 WHERE account_id = NEW.follower_id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER account_stats_follow_accepted AFTER UPDATE OF state ON follows
FOR EACH ROW WHEN (OLD.state != 'accepted' AND NEW.state = 'accepted')
EXECUTE FUNCTION account_stats_follow_accepted_fn();

-- 0006: account_stats_follow_removed AFTER DELETE ON follows WHEN OLD.state = 'accepted'
CREATE FUNCTION account_stats_follow_removed_fn() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE account_stats SET followers_count = greatest(0, followers_count - 1) WHERE account_id = OLD.target_id;
    UPDATE account_stats SET following_count = greatest(0, following_count - 1) WHERE account_id = OLD.follower_id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER account_stats_follow_removed AFTER DELETE ON follows
FOR EACH ROW WHEN (OLD.state = 'accepted')
EXECUTE FUNCTION account_stats_follow_removed_fn();

-- 0012: only followed accounts can be endorsed, so an endorsement ends with the follow.
CREATE FUNCTION endorsements_follow_removed_fn() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM endorsements WHERE account_id = OLD.follower_id AND target_id = OLD.target_id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER endorsements_follow_removed AFTER DELETE ON follows
FOR EACH ROW EXECUTE FUNCTION endorsements_follow_removed_fn();

-- 0016: a fresh copy of a remote actor's document rewrites `suspended`; an admin's
-- suspension (marked by suspended_at) stands until an admin lifts it, clearing both.
-- As in SQLite, the second UPDATE moves the account's version once more (accounts_version).
CREATE FUNCTION accounts_keep_suspension_fn() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE accounts SET suspended = 1 WHERE id = NEW.id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER accounts_keep_suspension AFTER UPDATE OF suspended ON accounts
FOR EACH ROW WHEN (NEW.suspended = 0 AND NEW.suspended_at IS NOT NULL)
EXECUTE FUNCTION accounts_keep_suspension_fn();

-- 0020: every UPDATE of an account row moves its version by one, whatever it changes (also
-- nothing) and whatever it writes into `version` itself: SQLite's AFTER UPDATE trigger sets
-- version = OLD.version + 1; here a BEFORE UPDATE trigger does it, without a second UPDATE.
CREATE FUNCTION accounts_version_fn() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.version := OLD.version + 1;
    RETURN NEW;
END;
$$;
CREATE TRIGGER accounts_version BEFORE UPDATE ON accounts
FOR EACH ROW EXECUTE FUNCTION accounts_version_fn();

-- 0021: the same for statuses.
CREATE FUNCTION statuses_version_fn() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.version := OLD.version + 1;
    RETURN NEW;
END;
$$;
CREATE TRIGGER statuses_version BEFORE UPDATE ON statuses
FOR EACH ROW EXECUTE FUNCTION statuses_version_fn();
