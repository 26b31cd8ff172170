-- Electronic copies (bản sao y điện tử, Nghị định 30 Phụ lục I; issue 34): a copy is
-- registered in the copying agency's outgoing register under its own numbering, the
-- copy series, which starts at 1 each calendar year beside the documents' series. A
-- copy is a row of `documents` (so it is downloaded, verified and e-mailed like any
-- issued document) with series 'copy' and the incoming entry it copies.
--
-- SQLite cannot change a table's UNIQUE constraint, so both register tables are
-- rebuilt. The foreign keys into `documents` (deliveries, signatures, notes …) are
-- deferred for this transaction: the rows keep their ids, so every reference is
-- whole again when the transaction commits.
PRAGMA defer_foreign_keys = ON;

CREATE TABLE register_counters_next (
    issuer      TEXT    NOT NULL,
    series      TEXT    NOT NULL DEFAULT 'main' CHECK (series IN ('main', 'copy')),
    year        INTEGER NOT NULL,
    last_number INTEGER NOT NULL CHECK (last_number >= 1),
    PRIMARY KEY (issuer, series, year)
) STRICT;
INSERT INTO register_counters_next (issuer, year, last_number)
SELECT issuer, year, last_number FROM register_counters;
DROP TABLE register_counters;
ALTER TABLE register_counters_next RENAME TO register_counters;

CREATE TABLE documents_saved AS SELECT * FROM documents;
DROP TABLE documents;
CREATE TABLE documents (
    id            INTEGER PRIMARY KEY,
    issuer        TEXT    NOT NULL,
    issuer_name   TEXT    NOT NULL,
    -- 'main': the register's documents; 'copy': its electronic copies.
    series        TEXT    NOT NULL DEFAULT 'main' CHECK (series IN ('main', 'copy')),
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
    docx          BLOB    NOT NULL,     -- empty for a copy: the copy is its PDF
    docx_sha256   TEXT    NOT NULL,
    letter        TEXT    NOT NULL,
    issued_at     TEXT    NOT NULL,
    -- The incoming document a copy reproduces (NULL for the main series).
    copy_of       INTEGER REFERENCES incoming (id),
    UNIQUE (issuer, series, year, number),
    CHECK ((series = 'copy') = (copy_of IS NOT NULL))
) STRICT;
INSERT INTO documents (id, issuer, issuer_name, year, number, number_symbol, date, kind, subject,
    signer, recipients, pages, pdf, pdf_sha256, docx, docx_sha256, letter, issued_at)
SELECT id, issuer, issuer_name, year, number, number_symbol, date, kind, subject,
    signer, recipients, pages, pdf, pdf_sha256, docx, docx_sha256, letter, issued_at
FROM documents_saved;
DROP TABLE documents_saved;

CREATE INDEX documents_by_year ON documents (year, issuer, number);
CREATE INDEX documents_by_number ON documents (number, year);
CREATE INDEX documents_by_symbol ON documents (number_symbol);
CREATE INDEX documents_by_kind ON documents (kind, id);
CREATE INDEX documents_by_copy_of ON documents (copy_of) WHERE copy_of IS NOT NULL;

CREATE TRIGGER documents_are_immutable BEFORE UPDATE ON documents
BEGIN
    SELECT RAISE(ABORT, 'văn bản đã ban hành không được sửa; hãy ban hành văn bản mới để đính chính');
END;

CREATE TRIGGER documents_are_never_deleted BEFORE DELETE ON documents
BEGIN
    SELECT RAISE(ABORT, 'văn bản đã ban hành không được xóa khỏi sổ');
END;

CREATE TRIGGER documents_search_insert AFTER INSERT ON documents
BEGIN
    INSERT INTO documents_search (rowid, words)
    VALUES (new.id, replace(replace(new.subject || ' ' || new.number_symbol, 'đ', 'd'), 'Đ', 'D'));
END;
