-- An optional second factor for signers (issue 30): a TOTP secret (RFC 6238, base32),
-- asked at signing consent, and the last time step a code was accepted for, so a code
-- is never accepted twice.
ALTER TABLE users ADD COLUMN totp_secret TEXT;
ALTER TABLE users ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;
