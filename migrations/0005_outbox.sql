-- E-mail delivery of issued documents: one row per (document, recipient), planned and
-- queued in one transaction, then worked by the delivery worker.
--   status: queued   waiting for its turn (next_attempt_at; attempts > 0 means a retry)
--           sending  claimed by a worker until lease_until; a row whose lease ran out
--                    (the worker died) is claimed again
--           sent     the server accepted it (reply, sent_at); never sent again
--           failed   permanent refusal (5xx) or too many attempts (reply says why)
--           paper    no mailbox: the recipient gets the document on paper
-- Times are Unix milliseconds (UTC).
ALTER TABLE agencies ADD COLUMN reply_to TEXT;

CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY,
    document_id     INTEGER NOT NULL REFERENCES documents (id),
    position        INTEGER NOT NULL,           -- order in the plan
    recipient       TEXT    NOT NULL,           -- printed name, e.g. "UBND huyện Lục Nam"
    agency_id       TEXT,                       -- the stored agency or person it resolved to
    email           TEXT,                       -- NULL for paper
    recipient_key   TEXT    NOT NULL,           -- lower-case e-mail, or "giấy:" + name
    message_id      TEXT UNIQUE,                -- stable per (document, mailbox)
    status          TEXT    NOT NULL CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'paper')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER,
    lease_until     INTEGER,
    last_reply      TEXT,
    sent_at         INTEGER,
    queued_at       INTEGER NOT NULL,
    UNIQUE (document_id, recipient_key)
) STRICT;
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);

CREATE TABLE delivery_attempts (
    id          INTEGER PRIMARY KEY,
    delivery_id INTEGER NOT NULL REFERENCES deliveries (id),
    at          INTEGER NOT NULL,
    outcome     TEXT    NOT NULL CHECK (outcome IN ('sent', 'transient', 'permanent', 'abandoned')),
    reply       TEXT    NOT NULL
) STRICT;
CREATE INDEX delivery_attempts_by_delivery ON delivery_attempts (delivery_id);
