-- Each account's notifications have a version that every change to them moves on, whoever
-- makes it (a new notification, a dismissal, a cascade from a deleted post or sender): each
-- process keeps pages of grouped notifications by that version (fedi.services.notification_groups)
-- and reads them again once it has moved. An account has a row once it had a notification.
CREATE TABLE notification_versions (
    account_id TEXT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    version BIGINT NOT NULL DEFAULT 0
);

INSERT INTO notification_versions (account_id, version)
SELECT DISTINCT account_id, 1 FROM notifications;

CREATE FUNCTION notifications_version_fn() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO notification_versions (account_id, version) VALUES (NEW.account_id, 1)
            ON CONFLICT (account_id) DO UPDATE SET version = notification_versions.version + 1;
        RETURN NULL;
    END IF;
    UPDATE notification_versions SET version = version + 1 WHERE account_id = OLD.account_id;
    IF TG_OP = 'UPDATE' AND NEW.account_id IS DISTINCT FROM OLD.account_id THEN
        UPDATE notification_versions SET version = version + 1 WHERE account_id = NEW.account_id;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER notifications_version AFTER INSERT OR UPDATE OR DELETE ON notifications
FOR EACH ROW EXECUTE FUNCTION notifications_version_fn();
