-- The client's address of an audited event, when the event came over the network and
-- the address is known (a sign-in: the socket's peer, or behind a trusted proxy the
-- address it forwarded; see [server] trusted_proxies). NULL for the command line, the
-- system and the rows written before.
ALTER TABLE audit_log ADD COLUMN address TEXT;
