-- Each home-feed entry names the author of its status (the booster, for a boost), so that a
-- list's page finds its members' entries in the feed itself instead of reading the status
-- of every entry it looks at.
ALTER TABLE feeds ADD COLUMN author_id TEXT;
UPDATE feeds SET author_id = (SELECT s.account_id FROM statuses s WHERE s.id = feeds.status_id);
