-- Incoming documents (văn bản đến, Nghị định 30 Điều 20–24; issue 34): each document
-- the agency receives is kept byte for byte with its SHA-256 and registered in the
-- agency's Sổ đăng ký văn bản đến (Phụ lục IV, 10 columns) under a Số đến given per
-- (agency, year) like the outgoing numbers: never reused, contiguous.
CREATE TABLE incoming_counters (
    agency_id   TEXT    NOT NULL REFERENCES agencies (id),
    year        INTEGER NOT NULL,
    last_number INTEGER NOT NULL CHECK (last_number >= 1),
    PRIMARY KEY (agency_id, year)
) STRICT;

CREATE TABLE incoming (
    id               INTEGER PRIMARY KEY,
    agency_id        TEXT    NOT NULL REFERENCES agencies (id),  -- the receiving agency
    year             INTEGER NOT NULL,
    number           INTEGER NOT NULL CHECK (number >= 1),       -- (2) Số đến
    received_at      TEXT    NOT NULL,                           -- (1) Ngày đến (UTC, src/store/time.rs)
    source           TEXT    NOT NULL CHECK (source IN ('upload', 'api', 'cli', 'scan', 'imap', 'maildir')),
    file_name        TEXT    NOT NULL,
    pdf              BLOB    NOT NULL,
    sha256           TEXT    NOT NULL,
    author           TEXT,                                       -- (3) Tác giả
    author_agency_id TEXT    REFERENCES agencies (id),           -- the stored agency it names
    number_symbol    TEXT,                                       -- (4) Số, ký hiệu
    doc_date         TEXT,                                       -- (5) YYYY-MM-DD
    kind_subject     TEXT,                                       -- (6) Tên loại và trích yếu
    -- How the metadata was read: 'vanthu' (a document vanthu made: exact), 'text' (the
    -- first page's words: best effort), 'none'; the fields still to check (JSON list).
    read_from        TEXT    NOT NULL CHECK (read_from IN ('vanthu', 'text', 'none')),
    to_check         TEXT    NOT NULL DEFAULT '[]',
    -- The digital signatures: 'valid' (every one), 'invalid', 'unsigned' (a scan or a
    -- file without any), with the verifier's headline.
    signatures       TEXT    NOT NULL CHECK (signatures IN ('valid', 'invalid', 'unsigned')),
    signature_note   TEXT    NOT NULL,
    handler          TEXT,                                       -- (7) Đơn vị hoặc người nhận
    passed_on        TEXT,                                       -- (8) Ngày chuyển, YYYY-MM-DD
    note             TEXT,                                       -- (10) Ghi chú
    recorded_by      TEXT    NOT NULL,
    UNIQUE (agency_id, year, number),
    UNIQUE (agency_id, sha256)
) STRICT;
CREATE INDEX incoming_by_year ON incoming (agency_id, year, number);

-- A registered incoming document is the agency's record: it is never deleted, and its
-- file, hash and number never change (the handling columns do).
CREATE TRIGGER incoming_is_never_deleted BEFORE DELETE ON incoming
BEGIN
    SELECT RAISE(ABORT, 'incoming documents are never deleted');
END;
CREATE TRIGGER incoming_keeps_its_file BEFORE UPDATE OF agency_id, year, number, pdf, sha256, received_at ON incoming
BEGIN
    SELECT RAISE(ABORT, 'an incoming document keeps its file and number');
END;
