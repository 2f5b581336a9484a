-- Each post's boosts, favourites and replies, kept as they change (as account_stats keeps an
-- account's), so that showing a post costs one probe whatever its popularity. A post has a
-- row once something counted it. Replies are counted by the parent's uri, which may arrive
-- after them: a post's row starts with the replies already stored.
CREATE TABLE status_counts (
    status_id TEXT PRIMARY KEY REFERENCES statuses(id) ON DELETE CASCADE,
    reblogs BIGINT NOT NULL DEFAULT 0,
    favourites BIGINT NOT NULL DEFAULT 0,
    replies BIGINT NOT NULL DEFAULT 0
);

INSERT INTO status_counts (status_id, reblogs, favourites, replies)
SELECT id, reblogs, favourites, replies FROM (
    SELECT s.id,
           (SELECT count(*) FROM statuses b WHERE b.reblog_of_id = s.id) AS reblogs,
           (SELECT count(*) FROM favourites f WHERE f.status_id = s.id) AS favourites,
           (SELECT count(*) FROM statuses r WHERE r.in_reply_to_uri = s.uri) AS replies
    FROM statuses s WHERE s.reblog_of_id IS NULL
) AS counted WHERE reblogs + favourites + replies > 0;

CREATE FUNCTION status_counts_status_added_fn() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.reblog_of_id IS NOT NULL THEN
        INSERT INTO status_counts (status_id, reblogs) VALUES (NEW.reblog_of_id, 1)
            ON CONFLICT (status_id) DO UPDATE SET reblogs = status_counts.reblogs + 1;
    END IF;
    IF NEW.in_reply_to_uri IS NOT NULL THEN
        INSERT INTO status_counts (status_id, replies) SELECT p.id, 1 FROM statuses p
            WHERE p.uri = NEW.in_reply_to_uri
            ON CONFLICT (status_id) DO UPDATE SET replies = status_counts.replies + 1;
    END IF;
    IF NEW.reblog_of_id IS NULL THEN
        INSERT INTO status_counts (status_id, replies)
            SELECT NEW.id, count(*) FROM statuses r WHERE r.in_reply_to_uri = NEW.uri HAVING count(*) > 0;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER status_counts_status_added AFTER INSERT ON statuses
FOR EACH ROW EXECUTE FUNCTION status_counts_status_added_fn();

CREATE FUNCTION status_counts_status_removed_fn() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.reblog_of_id IS NOT NULL THEN
        UPDATE status_counts SET reblogs = greatest(0, reblogs - 1) WHERE status_id = OLD.reblog_of_id;
    END IF;
    IF OLD.in_reply_to_uri IS NOT NULL THEN
        UPDATE status_counts SET replies = greatest(0, replies - 1)
         WHERE status_id = (SELECT p.id FROM statuses p WHERE p.uri = OLD.in_reply_to_uri);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER status_counts_status_removed AFTER DELETE ON statuses
FOR EACH ROW EXECUTE FUNCTION status_counts_status_removed_fn();

CREATE FUNCTION status_counts_favourite_added_fn() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO status_counts (status_id, favourites) VALUES (NEW.status_id, 1)
        ON CONFLICT (status_id) DO UPDATE SET favourites = status_counts.favourites + 1;
    RETURN NULL;
END;
$$;
CREATE TRIGGER status_counts_favourite_added AFTER INSERT ON favourites
FOR EACH ROW EXECUTE FUNCTION status_counts_favourite_added_fn();

CREATE FUNCTION status_counts_favourite_removed_fn() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE status_counts SET favourites = greatest(0, favourites - 1) WHERE status_id = OLD.status_id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER status_counts_favourite_removed AFTER DELETE ON favourites
FOR EACH ROW EXECUTE FUNCTION status_counts_favourite_removed_fn();
