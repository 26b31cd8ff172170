-- The e-mail an incoming document arrived in (issue 34): its Message-ID, so the entry
-- says which message of the agency's mailbox brought it. NULL for uploads and scans.
ALTER TABLE incoming ADD COLUMN message_id TEXT;
