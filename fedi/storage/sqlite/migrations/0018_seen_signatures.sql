-- Signatures of accepted inbox deliveries, kept while they could still verify, so that
-- the same signed request sent again (a replay) is refused. Shared by every process.
CREATE TABLE seen_signatures (
    fingerprint BLOB PRIMARY KEY,  -- SHA-256 of the signature bytes
    expires_at REAL NOT NULL
) WITHOUT ROWID;
CREATE INDEX seen_signatures_expiry ON seen_signatures (expires_at);
