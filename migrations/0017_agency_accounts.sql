-- Who signs is who consented (issue 30): every account acts for one agency (or, for an
-- administrator, the whole service), a signer's account is the person record whose
-- name, title and key it uses, and accounts have a lifecycle.
--
-- scope: 'agency'   acts for agency_id only (its drafts, register, deliveries, audit);
--        'service'  an administrator of every agency (no agency_id);
--        'unlinked' an account made before this migration: it signs in and reads its
--                   own account page, nothing of any agency, until an administrator
--                   links it (`vanthu user link`). Nothing is guessed.
ALTER TABLE users ADD COLUMN scope TEXT NOT NULL DEFAULT 'unlinked'
    CHECK (scope IN ('unlinked', 'agency', 'service'));
ALTER TABLE users ADD COLUMN agency_id TEXT REFERENCES agencies (id);
ALTER TABLE users ADD COLUMN person_id TEXT REFERENCES people (id);
-- Disabled accounts are kept (the audit log names them), never deleted.
ALTER TABLE users ADD COLUMN disabled_at TEXT;
-- Set by an administrator's reset: the user chooses a new password before anything else.
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN password_changed_at TEXT;
-- One account per person: the person's key answers to one account's consent.
CREATE UNIQUE INDEX users_by_person ON users (person_id) WHERE person_id IS NOT NULL;
CREATE INDEX users_by_agency ON users (agency_id);

-- API tokens are listed with their last use and revoked one by one.
ALTER TABLE api_tokens ADD COLUMN last_used_at TEXT;

-- The agency an event belongs to (the acting account's), so an agency's administrator
-- reads its own log.
ALTER TABLE audit_log ADD COLUMN agency_id TEXT;
CREATE INDEX audit_by_agency ON audit_log (agency_id, id);

-- A draft belongs to its issuing agency and names its signer (a person record, when the
-- signer is one): kept beside the form's values so that lists and checks do not compose.
-- Existing drafts: from their form values, as far as they name them.
ALTER TABLE drafts ADD COLUMN issuer_id TEXT;
ALTER TABLE drafts ADD COLUMN signer_id TEXT;
-- The account whose password consented to the signer's key (with sign_consent).
ALTER TABLE drafts ADD COLUMN consent_user_id INTEGER REFERENCES users (id);
UPDATE drafts SET
    issuer_id = coalesce(
        json_extract(fields, '$.issuer'),
        (SELECT p.issuer_id FROM programmes p WHERE p.id = json_extract(drafts.fields, '$.programme')),
        (SELECT p.issuer_id FROM milestones m JOIN programmes p ON p.id = m.programme_id
          WHERE m.id = json_extract(drafts.fields, '$.milestone'))
    ),
    signer_id = json_extract(fields, '$.signer');
CREATE INDEX drafts_by_issuer ON drafts (issuer_id, state, id);
