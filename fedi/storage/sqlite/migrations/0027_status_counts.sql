-- Each post's boosts, favourites and replies, kept as they change (as account_stats keeps an
-- account's), so that showing a post costs one probe whatever its popularity. A post has a
-- row once something counted it. Replies are counted by the parent's uri, which may arrive
-- after them: a post's row starts with the replies already stored.
CREATE TABLE status_counts (
    status_id TEXT PRIMARY KEY REFERENCES statuses(id) ON DELETE CASCADE,
    reblogs INTEGER NOT NULL DEFAULT 0,
    favourites INTEGER NOT NULL DEFAULT 0,
    replies INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

INSERT INTO status_counts (status_id, reblogs, favourites, replies)
SELECT id, reblogs, favourites, replies FROM (
    SELECT s.id,
           (SELECT count(*) FROM statuses b WHERE b.reblog_of_id = s.id) AS reblogs,
           (SELECT count(*) FROM favourites f WHERE f.status_id = s.id) AS favourites,
           (SELECT count(*) FROM statuses r WHERE r.in_reply_to_uri = s.uri) AS replies
    FROM statuses s WHERE s.reblog_of_id IS NULL
) WHERE reblogs + favourites + replies > 0;

CREATE TRIGGER status_counts_status_added AFTER INSERT ON statuses BEGIN
    INSERT INTO status_counts (status_id, reblogs) SELECT NEW.reblog_of_id, 1 WHERE NEW.reblog_of_id IS NOT NULL
        ON CONFLICT (status_id) DO UPDATE SET reblogs = reblogs + 1;
    INSERT INTO status_counts (status_id, replies) SELECT p.id, 1 FROM statuses p
        WHERE NEW.in_reply_to_uri IS NOT NULL AND p.uri = NEW.in_reply_to_uri
        ON CONFLICT (status_id) DO UPDATE SET replies = replies + 1;
    INSERT INTO status_counts (status_id, replies)
        SELECT NEW.id, count(*) FROM statuses r WHERE NEW.reblog_of_id IS NULL AND r.in_reply_to_uri = NEW.uri
        HAVING count(*) > 0;
END;

CREATE TRIGGER status_counts_status_removed AFTER DELETE ON statuses BEGIN
    UPDATE status_counts SET reblogs = max(0, reblogs - 1) WHERE status_id = OLD.reblog_of_id;
    UPDATE status_counts SET replies = max(0, replies - 1)
        WHERE OLD.in_reply_to_uri IS NOT NULL
          AND status_id = (SELECT p.id FROM statuses p WHERE p.uri = OLD.in_reply_to_uri);
END;

CREATE TRIGGER status_counts_favourite_added AFTER INSERT ON favourites BEGIN
    INSERT INTO status_counts (status_id, favourites) VALUES (NEW.status_id, 1)
        ON CONFLICT (status_id) DO UPDATE SET favourites = favourites + 1;
END;

CREATE TRIGGER status_counts_favourite_removed AFTER DELETE ON favourites BEGIN
    UPDATE status_counts SET favourites = max(0, favourites - 1) WHERE status_id = OLD.status_id;
END;
