-- Structured professional profiles, of local accounts and of remote ones that publish
-- theirs (schema.org terms in the actor). One row per account, one row per skill, role
-- and school, in the owner's order. Links are the account's profile fields.
CREATE TABLE professional_profiles (
    account_id TEXT PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    headline TEXT NOT NULL DEFAULT '',
    position TEXT NOT NULL DEFAULT '',      -- current job title
    organization TEXT NOT NULL DEFAULT '',  -- current employer
    location TEXT NOT NULL DEFAULT '',
    updated_at REAL NOT NULL
) WITHOUT ROWID;

CREATE TABLE profile_skills (
    account_id TEXT NOT NULL REFERENCES professional_profiles(account_id) ON DELETE CASCADE,
    position INTEGER NOT NULL,              -- order on the profile, from 0
    name TEXT NOT NULL,
    PRIMARY KEY (account_id, position)
) WITHOUT ROWID;
CREATE INDEX profile_skills_name ON profile_skills (lower(name));

CREATE TABLE profile_experience (
    account_id TEXT NOT NULL REFERENCES professional_profiles(account_id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    role TEXT NOT NULL,
    organization TEXT NOT NULL DEFAULT '',
    start_date TEXT NOT NULL DEFAULT '',    -- "YYYY" or "YYYY-MM"
    end_date TEXT NOT NULL DEFAULT '',      -- '' while current
    description TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (account_id, position)
) WITHOUT ROWID;

CREATE TABLE profile_education (
    account_id TEXT NOT NULL REFERENCES professional_profiles(account_id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    school TEXT NOT NULL,
    degree TEXT NOT NULL DEFAULT '',
    start_year INTEGER,
    end_year INTEGER,
    PRIMARY KEY (account_id, position)
) WITHOUT ROWID;

-- Finding the account a profile link points to (linked identities).
CREATE INDEX accounts_url ON accounts (url);
