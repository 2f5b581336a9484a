-- Who blocks an account, and who blocks a domain: a page first asks whether there is any
-- such block at all, which these answer with one lookup.
CREATE INDEX blocks_target ON blocks (target_id);
CREATE INDEX account_domain_blocks_domain ON account_domain_blocks (domain);
