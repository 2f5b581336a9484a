-- Per-account counters kept by triggers, so rendering an account never counts rows.
CREATE TABLE account_stats (
    account_id TEXT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    statuses_count INTEGER NOT NULL DEFAULT 0,   -- own posts, boosts excluded
    followers_count INTEGER NOT NULL DEFAULT 0,
    following_count INTEGER NOT NULL DEFAULT 0,
    last_status_at REAL
) WITHOUT ROWID;

INSERT INTO account_stats (account_id, statuses_count, last_status_at)
    SELECT a.id,
           (SELECT count(*) FROM statuses s WHERE s.account_id = a.id AND s.reblog_of_id IS NULL),
           (SELECT max(published) FROM statuses s WHERE s.account_id = a.id)
    FROM accounts a;
UPDATE account_stats SET
    followers_count = (SELECT count(*) FROM follows f WHERE f.target_id = account_stats.account_id AND f.state = 'accepted'),
    following_count = (SELECT count(*) FROM follows f WHERE f.follower_id = account_stats.account_id AND f.state = 'accepted');

CREATE TRIGGER account_stats_new_account AFTER INSERT ON accounts BEGIN
    INSERT OR IGNORE INTO account_stats (account_id) VALUES (NEW.id);
END;

CREATE TRIGGER account_stats_status_added AFTER INSERT ON statuses BEGIN
    INSERT OR IGNORE INTO account_stats (account_id) VALUES (NEW.account_id);
    UPDATE account_stats
       SET statuses_count = statuses_count + (NEW.reblog_of_id IS NULL),
           last_status_at = max(coalesce(last_status_at, 0), NEW.published)
     WHERE account_id = NEW.account_id;
END;

CREATE TRIGGER account_stats_status_removed AFTER DELETE ON statuses BEGIN
    UPDATE account_stats
       SET statuses_count = max(0, statuses_count - (OLD.reblog_of_id IS NULL))
     WHERE account_id = OLD.account_id;
END;

CREATE TRIGGER account_stats_follow_added AFTER INSERT ON follows WHEN NEW.state = 'accepted' BEGIN
    INSERT OR IGNORE INTO account_stats (account_id) VALUES (NEW.target_id);
    INSERT OR IGNORE INTO account_stats (account_id) VALUES (NEW.follower_id);
    UPDATE account_stats SET followers_count = followers_count + 1 WHERE account_id = NEW.target_id;
    UPDATE account_stats SET following_count = following_count + 1 WHERE account_id = NEW.follower_id;
END;

CREATE TRIGGER account_stats_follow_accepted AFTER UPDATE OF state ON follows
WHEN OLD.state != 'accepted' AND NEW.state = 'accepted' BEGIN
    INSERT OR IGNORE INTO account_stats (account_id) VALUES (NEW.target_id);
    INSERT OR IGNORE INTO account_stats (account_id) VALUES (NEW.follower_id);
    UPDATE account_stats SET followers_count = followers_count + 1 WHERE account_id = NEW.target_id;
    UPDATE account_stats SET following_count = following_count + 1 WHERE account_id = NEW.follower_id;
END;

CREATE TRIGGER account_stats_follow_removed AFTER DELETE ON follows WHEN OLD.state = 'accepted' BEGIN
    UPDATE account_stats SET followers_count = max(0, followers_count - 1) WHERE account_id = OLD.target_id;
    UPDATE account_stats SET following_count = max(0, following_count - 1) WHERE account_id = OLD.follower_id;
END;
