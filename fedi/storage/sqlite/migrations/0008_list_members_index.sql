-- Finding the lists that include an account (list streams, list timelines).
CREATE INDEX list_accounts_account ON list_accounts (account_id);
