-- Long-term validation added to an issued electronic original after issue (PAdES
-- B-LTA archive renewal: `vanthu register extend`). The issued row stays as it was;
-- each extension is the whole file with one more incremental update (a DSS and a
-- document timestamp) appended, and the latest is the document's PDF from then on.
CREATE TABLE document_extensions (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id),
    pdf BLOB NOT NULL,
    pdf_sha256 TEXT NOT NULL,
    -- Why, in words ("gia hạn dấu thời gian lưu trữ: …").
    reason TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX document_extensions_by_document ON document_extensions(document_id, id);
CREATE TRIGGER document_extensions_are_immutable BEFORE UPDATE ON document_extensions
BEGIN
    SELECT RAISE(ABORT, 'an extension of an issued document is never changed');
END;
CREATE TRIGGER document_extensions_are_never_deleted BEFORE DELETE ON document_extensions
BEGIN
    SELECT RAISE(ABORT, 'an extension of an issued document is never deleted');
END;
