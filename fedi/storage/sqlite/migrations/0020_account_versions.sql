-- Every change of an account row moves its version, so that a copy of the record kept in a
-- process's memory can be checked with one narrow query instead of reading the row again.
ALTER TABLE accounts ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
CREATE TRIGGER accounts_version AFTER UPDATE ON accounts
BEGIN
    UPDATE accounts SET version = OLD.version + 1 WHERE id = NEW.id;
END;
