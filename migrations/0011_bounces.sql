-- Bounces (RFC 3464 delivery status notifications read back from the bounce mailbox):
-- a notification that a sent message failed further on adds a 'bounced' attempt (and
-- the delivery becomes failed, the reason in last_reply); a delay notice adds a
-- 'delayed' attempt and changes nothing else. SQLite cannot alter a CHECK constraint,
-- so the attempt log is rebuilt with the two new outcomes, rows and ids kept.
CREATE TABLE delivery_attempts_new (
    id          INTEGER PRIMARY KEY,
    delivery_id INTEGER NOT NULL REFERENCES deliveries (id),
    at          INTEGER NOT NULL,
    outcome     TEXT    NOT NULL CHECK (outcome IN ('sent', 'transient', 'permanent', 'abandoned', 'bounced', 'delayed')),
    reply       TEXT    NOT NULL
) STRICT;
INSERT INTO delivery_attempts_new (id, delivery_id, at, outcome, reply)
    SELECT id, delivery_id, at, outcome, reply FROM delivery_attempts;
DROP TABLE delivery_attempts;
ALTER TABLE delivery_attempts_new RENAME TO delivery_attempts;
CREATE INDEX delivery_attempts_by_delivery ON delivery_attempts (delivery_id);
