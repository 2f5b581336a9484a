-- fold_like(value, pattern), case-insensitive matching for patterns with letters beyond
-- ASCII, is a function every connection registers (fedi/storage/sqlite/text.py); PostgreSQL
-- defines it in its migration 0028. Nothing changes in the schema.
SELECT 1;
