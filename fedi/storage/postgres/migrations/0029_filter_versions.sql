-- A change to an account's keyword filters or their keywords moves the account's version on,
-- whoever makes it: each process keeps a reader's compiled filters by that version
-- (fedi.services.filters), and reads them again once it has moved.
CREATE FUNCTION filters_version_fn() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE accounts SET version = version + 1 WHERE id = OLD.account_id;
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.account_id IS DISTINCT FROM OLD.account_id) THEN
        UPDATE accounts SET version = version + 1 WHERE id = NEW.account_id;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER filters_version AFTER INSERT OR UPDATE OR DELETE ON filters
FOR EACH ROW EXECUTE FUNCTION filters_version_fn();

CREATE FUNCTION filter_keywords_version_fn() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE accounts SET version = version + 1
        WHERE id = (SELECT account_id FROM filters WHERE id = OLD.filter_id);
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.filter_id IS DISTINCT FROM OLD.filter_id) THEN
        UPDATE accounts SET version = version + 1
        WHERE id = (SELECT account_id FROM filters WHERE id = NEW.filter_id);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER filter_keywords_version AFTER INSERT OR UPDATE OR DELETE ON filter_keywords
FOR EACH ROW EXECUTE FUNCTION filter_keywords_version_fn();
