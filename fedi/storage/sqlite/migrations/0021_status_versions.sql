-- As for accounts (0020): every change of a status row moves its version, so that a record
-- kept in a process's memory is checked with one narrow query.
ALTER TABLE statuses ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
CREATE TRIGGER statuses_version AFTER UPDATE ON statuses
BEGIN
    UPDATE statuses SET version = OLD.version + 1 WHERE id = NEW.id;
END;
