-- Ký số (Nghị định 30 Điều 5, 14): the images an electronic document carries, and
-- the digital signatures of each issued document.
-- A signer's handwritten signature (PNG, transparent) and an agency's seal (PNG,
-- transparent) with its real diameter in millimetres.
ALTER TABLE people ADD COLUMN signature_png BLOB;
ALTER TABLE agencies ADD COLUMN seal_png BLOB;
ALTER TABLE agencies ADD COLUMN seal_mm REAL;

-- One row per digital signature of an issued document, in the order they were made
-- (the signer's, then the agency's). The document's pdf is the signed file.
CREATE TABLE document_signatures (
    document_id INTEGER NOT NULL REFERENCES documents (id),
    position    INTEGER NOT NULL,
    role        TEXT    NOT NULL CHECK (role IN ('signer', 'agency')),
    subject     TEXT    NOT NULL,
    serial      TEXT    NOT NULL,
    signed_at   TEXT    NOT NULL,
    PRIMARY KEY (document_id, position)
) STRICT;

-- When the signer approved a draft re-entering their password, consenting to their
-- key signing it at issue (NULL: approved without consent; the issue is then unsigned
-- or refused where a signature is required).
ALTER TABLE drafts ADD COLUMN sign_consent TEXT;
