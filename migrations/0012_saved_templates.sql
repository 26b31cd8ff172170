-- Templates a clerk saves from a composer draft ("Lưu làm mẫu"): the draft's structure
-- (kind, issuer, signer, addressees, recipients, subject, body, decision lines, annex)
-- as the composer's fields in JSON, `{{ name }}` fields kept for the next draft to fill.
-- One title per issuing agency; the date is never kept (each draft is dated anew).
CREATE TABLE saved_templates (
    id         INTEGER PRIMARY KEY,
    agency_id  TEXT    NOT NULL REFERENCES agencies (id),
    title      TEXT    NOT NULL,
    fields     TEXT    NOT NULL,
    author_id  INTEGER NOT NULL REFERENCES users (id),
    created_at TEXT    NOT NULL,
    UNIQUE (agency_id, title)
) STRICT;
