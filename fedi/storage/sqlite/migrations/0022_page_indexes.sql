-- Indexes that let a page's narrow queries read no table row at all: the versions of its
-- posts (and of the posts its boosts boost), the versions of its accounts, and whether the
-- reader boosted each post (a reader's boosts, without scanning every post of theirs).
CREATE INDEX statuses_versions ON statuses (id, version, reblog_of_id);
CREATE INDEX accounts_versions ON accounts (id, version);
CREATE INDEX statuses_account_boosts ON statuses (account_id, reblog_of_id) WHERE reblog_of_id IS NOT NULL;
