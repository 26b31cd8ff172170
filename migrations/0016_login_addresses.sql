-- Failed logins are counted per client address as well as per login (issue 38): the
-- address the attempt came from (NULL when unknown, e.g. a signer re-entering a password).
ALTER TABLE login_failures ADD COLUMN address TEXT;
CREATE INDEX login_failures_by_address ON login_failures (address, at_ms);
