-- Private notes a local account keeps about other accounts (the Relationship's `note`).
CREATE TABLE account_notes (
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    target_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    comment TEXT NOT NULL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (account_id, target_id)
) WITHOUT ROWID;

-- Domains a local account has blocked: the accounts there are hidden from it.
CREATE TABLE account_domain_blocks (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    domain TEXT NOT NULL,               -- lowercase host[:port], as accounts.domain
    created_at REAL NOT NULL,
    UNIQUE (account_id, domain)
);
CREATE INDEX account_domain_blocks_page ON account_domain_blocks (account_id, id);
