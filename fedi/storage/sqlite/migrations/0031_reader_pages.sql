-- A reader's favourites and bookmarks are listed newest first by id (the client API's
-- /api/v1/favourites and /bookmarks): read along these indexes rather than sorting all of the
-- reader's rows (4,383 favourites: 1.7 ms on PostgreSQL). A post's favouriters likewise.
CREATE INDEX favourites_account_page ON favourites (account_id, id, status_id);
CREATE INDEX bookmarks_account_page ON bookmarks (account_id, id, status_id);
DROP INDEX favourites_status;
CREATE INDEX favourites_status ON favourites (status_id, id);
