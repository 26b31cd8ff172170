-- Urgent documents are delivered first (Nghị định 30, Phụ lục I mục III.3: HỎA TỐC,
-- THƯỢNG KHẨN, KHẨN): each queued message carries its document's urgency, 3 to 1,
-- 0 for none, and the worker claims the most urgent due messages first.
ALTER TABLE deliveries ADD COLUMN priority INTEGER NOT NULL DEFAULT 0 CHECK (priority BETWEEN 0 AND 3);
CREATE INDEX deliveries_by_priority ON deliveries (status, priority DESC, next_attempt_at);
