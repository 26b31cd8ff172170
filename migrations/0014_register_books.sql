-- The books of Nghị định 30, Phụ lục IV.
--
-- The Sổ đăng ký văn bản đi has columns an issued document does not hold: (6) đơn
-- vị, người nhận bản lưu, (7) số lượng bản, (8) ngày chuyển, (10) ghi chú. They are
-- kept beside the document, one row per document, and the clerk fills or corrects
-- them after issue: the document itself stays immutable. A NULL means "not written":
-- the book then shows what the system knows (the "Lưu:" line, the first delivery).
CREATE TABLE register_notes (
    document_id INTEGER PRIMARY KEY REFERENCES documents (id),
    archive     TEXT,                                          -- (6)
    copies      INTEGER CHECK (copies BETWEEN 1 AND 9999),     -- (7)
    sent_on     TEXT,                                          -- (8) YYYY-MM-DD
    note        TEXT,                                          -- (10)
    updated_at  TEXT NOT NULL,
    updated_by  TEXT
) STRICT;

-- Paper copies ("gửi bản giấy"): the day each left, recorded by the clerk (the
-- postal dispatch book, the delivery table and the register's "ngày chuyển" show it),
-- and how many envelopes it took.
ALTER TABLE deliveries ADD COLUMN paper_sent_on TEXT;
ALTER TABLE deliveries ADD COLUMN envelopes INTEGER NOT NULL DEFAULT 1 CHECK (envelopes BETWEEN 1 AND 99);
