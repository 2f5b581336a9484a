-- A follower may ask to be notified of every new post (Mastodon's "notify" / bell).
ALTER TABLE follows ADD COLUMN notify INTEGER NOT NULL DEFAULT 0;
