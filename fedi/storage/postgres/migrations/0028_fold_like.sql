-- Case-insensitive matching for patterns with letters beyond ASCII, as SQLite's connections
-- define it in Python (fedi/storage/sqlite/text.py): ILIKE with a backslash as the escape.
CREATE OR REPLACE FUNCTION fold_like(value TEXT, pattern TEXT) RETURNS BOOLEAN
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT value ILIKE pattern ESCAPE '\' $$;
