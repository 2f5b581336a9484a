-- Each account's notifications have a version that every change to them moves on, whoever
-- makes it (a new notification, a dismissal, a cascade from a deleted post or sender): each
-- process keeps pages of grouped notifications by that version (fedi.services.notification_groups)
-- and reads them again once it has moved. An account has a row once it had a notification.
CREATE TABLE notification_versions (
    account_id TEXT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    version INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

INSERT INTO notification_versions (account_id, version)
SELECT DISTINCT account_id, 1 FROM notifications;

CREATE TRIGGER notifications_version_added AFTER INSERT ON notifications
BEGIN
    INSERT INTO notification_versions (account_id, version) VALUES (NEW.account_id, 1)
    ON CONFLICT (account_id) DO UPDATE SET version = version + 1;
END;
CREATE TRIGGER notifications_version_changed AFTER UPDATE ON notifications
BEGIN
    UPDATE notification_versions SET version = version + 1 WHERE account_id IN (OLD.account_id, NEW.account_id);
END;
CREATE TRIGGER notifications_version_removed AFTER DELETE ON notifications
BEGIN
    UPDATE notification_versions SET version = version + 1 WHERE account_id = OLD.account_id;
END;
