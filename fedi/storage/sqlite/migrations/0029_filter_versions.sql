-- A change to an account's keyword filters or their keywords moves the account's version on,
-- whoever makes it: each process keeps a reader's compiled filters by that version
-- (fedi.services.filters), and reads them again once it has moved.
CREATE TRIGGER filters_version_added AFTER INSERT ON filters
BEGIN
    UPDATE accounts SET version = version + 1 WHERE id = NEW.account_id;
END;
CREATE TRIGGER filters_version_changed AFTER UPDATE ON filters
BEGIN
    UPDATE accounts SET version = version + 1 WHERE id IN (OLD.account_id, NEW.account_id);
END;
CREATE TRIGGER filters_version_removed AFTER DELETE ON filters
BEGIN
    UPDATE accounts SET version = version + 1 WHERE id = OLD.account_id;
END;
CREATE TRIGGER filter_keywords_version_added AFTER INSERT ON filter_keywords
BEGIN
    UPDATE accounts SET version = version + 1
    WHERE id = (SELECT account_id FROM filters WHERE id = NEW.filter_id);
END;
CREATE TRIGGER filter_keywords_version_changed AFTER UPDATE ON filter_keywords
BEGIN
    UPDATE accounts SET version = version + 1
    WHERE id IN (SELECT account_id FROM filters WHERE id IN (OLD.filter_id, NEW.filter_id));
END;
CREATE TRIGGER filter_keywords_version_removed AFTER DELETE ON filter_keywords
BEGIN
    UPDATE accounts SET version = version + 1
    WHERE id = (SELECT account_id FROM filters WHERE id = OLD.filter_id);
END;
