-- One shape for every instant (issue 33): UTC text `YYYY-MM-DDTHH:MM:SS.mmmZ`, so text
-- order is time order and no reader guesses the unit (see src/store/time.rs).
--
-- The outbox and the sessions held integer milliseconds; their tables are rebuilt
-- (STRICT columns cannot change type), rows, ids and order kept. `expires_ms` and
-- `at_ms` become `expires_at` and `at`. The attempts and the deliveries are rebuilt
-- together: the new attempts table first refers to `deliveries_next`, and renaming that
-- to `deliveries` carries the reference along. Each time column checks its shape.
--
-- The other time columns held RFC 3339 with seconds, nanoseconds or `+00:00`; they are
-- rewritten in place (a value SQLite cannot read is left as it was). The register's
-- own rows (`documents`, `document_extensions`) are immutable and keep their text.

CREATE TABLE deliveries_next (
    id              INTEGER PRIMARY KEY,
    document_id     INTEGER NOT NULL REFERENCES documents (id),
    position        INTEGER NOT NULL,
    recipient       TEXT    NOT NULL,
    agency_id       TEXT,
    email           TEXT,
    recipient_key   TEXT    NOT NULL,
    message_id      TEXT UNIQUE,
    status          TEXT    NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'paper')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT CHECK (next_attempt_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'),
    lease_until     TEXT CHECK (lease_until GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'),
    last_reply      TEXT,
    sent_at         TEXT CHECK (sent_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'),
    queued_at       TEXT    NOT NULL CHECK (queued_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'),
    claim           TEXT,
    paper_sent_on   TEXT,
    envelopes       INTEGER NOT NULL DEFAULT 1 CHECK (envelopes BETWEEN 1 AND 99),
    priority        INTEGER NOT NULL DEFAULT 0 CHECK (priority BETWEEN 0 AND 3),
    UNIQUE (document_id, recipient_key)
) STRICT;
INSERT INTO deliveries_next (id, document_id, position, recipient, agency_id, email, recipient_key,
        message_id, status, attempts, next_attempt_at, lease_until, last_reply, sent_at, queued_at,
        claim, paper_sent_on, envelopes, priority)
    SELECT id, document_id, position, recipient, agency_id, email, recipient_key,
        message_id, status, attempts,
        strftime('%Y-%m-%dT%H:%M:%fZ', next_attempt_at / 1000.0, 'unixepoch'),
        strftime('%Y-%m-%dT%H:%M:%fZ', lease_until / 1000.0, 'unixepoch'),
        last_reply,
        strftime('%Y-%m-%dT%H:%M:%fZ', sent_at / 1000.0, 'unixepoch'),
        strftime('%Y-%m-%dT%H:%M:%fZ', queued_at / 1000.0, 'unixepoch'),
        claim, paper_sent_on, envelopes, priority
    FROM deliveries;

CREATE TABLE delivery_attempts_next (
    id          INTEGER PRIMARY KEY,
    delivery_id INTEGER NOT NULL REFERENCES deliveries_next (id),
    at          TEXT    NOT NULL CHECK (at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'),
    outcome     TEXT    NOT NULL CHECK (outcome IN ('sent', 'transient', 'permanent', 'abandoned', 'bounced', 'delayed')),
    reply       TEXT    NOT NULL
) STRICT;
INSERT INTO delivery_attempts_next (id, delivery_id, at, outcome, reply)
    SELECT id, delivery_id, strftime('%Y-%m-%dT%H:%M:%fZ', at / 1000.0, 'unixepoch'), outcome, reply
    FROM delivery_attempts;

DROP TABLE delivery_attempts;
DROP TABLE deliveries;
ALTER TABLE deliveries_next RENAME TO deliveries;
ALTER TABLE delivery_attempts_next RENAME TO delivery_attempts;
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
CREATE INDEX deliveries_by_priority ON deliveries (status, priority DESC, next_attempt_at);
CREATE INDEX delivery_attempts_by_delivery ON delivery_attempts (delivery_id);

CREATE TABLE sessions_next (
    token_hash TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf       TEXT    NOT NULL,
    expires_at TEXT    NOT NULL CHECK (expires_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z')
) STRICT;
INSERT INTO sessions_next (token_hash, user_id, csrf, expires_at)
    SELECT token_hash, user_id, csrf, strftime('%Y-%m-%dT%H:%M:%fZ', expires_ms / 1000.0, 'unixepoch')
    FROM sessions;
DROP TABLE sessions;
ALTER TABLE sessions_next RENAME TO sessions;

CREATE TABLE login_failures_next (
    login   TEXT NOT NULL,
    at      TEXT NOT NULL CHECK (at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'),
    address TEXT
) STRICT;
INSERT INTO login_failures_next (rowid, login, at, address)
    SELECT rowid, login, strftime('%Y-%m-%dT%H:%M:%fZ', at_ms / 1000.0, 'unixepoch'), address
    FROM login_failures;
DROP TABLE login_failures;
ALTER TABLE login_failures_next RENAME TO login_failures;
CREATE INDEX login_failures_by_login ON login_failures (login, at);
CREATE INDEX login_failures_by_address ON login_failures (address, at);

UPDATE users SET
    created_at = coalesce(strftime('%Y-%m-%dT%H:%M:%fZ', created_at), created_at),
    disabled_at = coalesce(strftime('%Y-%m-%dT%H:%M:%fZ', disabled_at), disabled_at),
    password_changed_at = coalesce(strftime('%Y-%m-%dT%H:%M:%fZ', password_changed_at), password_changed_at);
UPDATE api_tokens SET
    created_at = coalesce(strftime('%Y-%m-%dT%H:%M:%fZ', created_at), created_at),
    last_used_at = coalesce(strftime('%Y-%m-%dT%H:%M:%fZ', last_used_at), last_used_at);
UPDATE drafts SET
    created_at = coalesce(strftime('%Y-%m-%dT%H:%M:%fZ', created_at), created_at),
    updated_at = coalesce(strftime('%Y-%m-%dT%H:%M:%fZ', updated_at), updated_at),
    sign_consent = coalesce(strftime('%Y-%m-%dT%H:%M:%fZ', sign_consent), sign_consent);
UPDATE audit_log SET at = coalesce(strftime('%Y-%m-%dT%H:%M:%fZ', at), at);
UPDATE reminder_drafts SET created_at = coalesce(strftime('%Y-%m-%dT%H:%M:%fZ', created_at), created_at);
UPDATE reminder_runs SET at = coalesce(strftime('%Y-%m-%dT%H:%M:%fZ', at), at);
UPDATE saved_templates SET created_at = coalesce(strftime('%Y-%m-%dT%H:%M:%fZ', created_at), created_at);
UPDATE register_notes SET updated_at = coalesce(strftime('%Y-%m-%dT%H:%M:%fZ', updated_at), updated_at);
UPDATE document_signatures SET signed_at = coalesce(strftime('%Y-%m-%dT%H:%M:%fZ', signed_at), signed_at);
