-- The outgoing-document register (sổ đăng ký văn bản đi).
-- Invariant: for every (issuer, year), register_counters.last_number equals the
-- largest documents.number, and numbers 1..last_number all exist: both rows are
-- written in the same transaction, and documents can be neither changed nor deleted.
CREATE TABLE register_counters (
    issuer      TEXT    NOT NULL,
    year        INTEGER NOT NULL,
    last_number INTEGER NOT NULL CHECK (last_number >= 1),
    PRIMARY KEY (issuer, year)
) STRICT;

CREATE TABLE documents (
    id            INTEGER PRIMARY KEY,
    issuer        TEXT    NOT NULL,
    issuer_name   TEXT    NOT NULL,
    year          INTEGER NOT NULL,
    number        INTEGER NOT NULL CHECK (number >= 1),
    number_symbol TEXT    NOT NULL,
    date          TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    subject       TEXT    NOT NULL,
    signer        TEXT    NOT NULL,
    recipients    TEXT    NOT NULL,
    pages         INTEGER NOT NULL,
    pdf           BLOB    NOT NULL,
    pdf_sha256    TEXT    NOT NULL,
    docx          BLOB    NOT NULL,
    docx_sha256   TEXT    NOT NULL,
    letter        TEXT    NOT NULL,
    issued_at     TEXT    NOT NULL,
    UNIQUE (issuer, year, number)
) STRICT;

CREATE INDEX documents_by_year ON documents (year, issuer, number);

CREATE TRIGGER documents_are_immutable BEFORE UPDATE ON documents
BEGIN
    SELECT RAISE(ABORT, 'văn bản đã ban hành không được sửa; hãy ban hành văn bản mới để đính chính');
END;

CREATE TRIGGER documents_are_never_deleted BEFORE DELETE ON documents
BEGIN
    SELECT RAISE(ABORT, 'văn bản đã ban hành không được xóa khỏi sổ');
END;
