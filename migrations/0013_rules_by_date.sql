-- Rules in force on a document's date (shared/reference/ocop.md, "Since July 2025").
--
-- 1. Tier policies get an effective date. The default policy ('' province) is
--    148/QĐ-TTg (district 3★, province 4★, national 5★) for documents dated before
--    06/07/2025, and 1489/QĐ-TTg (province 3★–4★, national 5★, no district) from that
--    day. A province's own rows (from their own date) still replace the default.
CREATE TABLE tier_policies_dated (
    province_id    TEXT NOT NULL,
    effective_from TEXT NOT NULL DEFAULT '0001-01-01',
    level          TEXT NOT NULL CHECK (level IN ('commune', 'district', 'province', 'national')),
    min_stars      INTEGER NOT NULL CHECK (min_stars BETWEEN 3 AND 5),
    max_stars      INTEGER NOT NULL CHECK (max_stars BETWEEN min_stars AND 5),
    PRIMARY KEY (province_id, effective_from, level)
) STRICT;
INSERT INTO tier_policies_dated (province_id, effective_from, level, min_stars, max_stars)
    SELECT province_id, '0001-01-01', level, min_stars, max_stars FROM tier_policies;
DROP TABLE tier_policies;
ALTER TABLE tier_policies_dated RENAME TO tier_policies;
INSERT INTO tier_policies (province_id, effective_from, level, min_stars, max_stars) VALUES
    ('', '2025-07-06', 'province', 3, 4),
    ('', '2025-07-06', 'national', 5, 5);

-- 2. The legal bases a document cites ("Căn cứ …"), each in force over a span of
--    dates: a decision cites those of its topics in force on its own date.
CREATE TABLE legal_bases (
    id              TEXT PRIMARY KEY,
    topic           TEXT NOT NULL CHECK (topic IN ('local-government', 'ocop')),
    position        INTEGER NOT NULL,            -- order among the grounds
    effective_from  TEXT NOT NULL,               -- first day cited
    effective_until TEXT,                        -- first day no longer cited
    citation        TEXT NOT NULL                -- without the leading "Căn cứ "
) STRICT;
INSERT INTO legal_bases (id, topic, position, effective_from, effective_until, citation) VALUES
    ('luat-tccqdp-2015', 'local-government', 1, '2016-01-01', '2025-07-01',
     'Luật Tổ chức chính quyền địa phương ngày 19/6/2015; Luật sửa đổi, bổ sung một số điều của Luật Tổ chức Chính phủ và Luật Tổ chức chính quyền địa phương ngày 22/11/2019'),
    ('luat-tccqdp-2025', 'local-government', 1, '2025-07-01', NULL,
     'Luật Tổ chức chính quyền địa phương ngày 16/6/2025'),
    ('qd-1048-2019', 'ocop', 2, '2019-08-21', '2023-02-24',
     'Quyết định số 1048/QĐ-TTg ngày 21/8/2019 của Thủ tướng Chính phủ ban hành Bộ tiêu chí đánh giá, phân hạng sản phẩm Chương trình mỗi xã một sản phẩm'),
    ('qd-148-2023', 'ocop', 3, '2023-02-24', NULL,
     'Quyết định số 148/QĐ-TTg ngày 24/02/2023 của Thủ tướng Chính phủ ban hành Bộ tiêu chí và quy trình đánh giá, phân hạng sản phẩm Chương trình mỗi xã một sản phẩm'),
    ('qd-1489-2025', 'ocop', 4, '2025-07-06', NULL,
     'Quyết định số 1489/QĐ-TTg ngày 06/7/2025 của Thủ tướng Chính phủ sửa đổi, bổ sung một số điều của Quyết định số 148/QĐ-TTg ngày 24/02/2023 để phù hợp với mô hình chính quyền địa phương hai cấp');

-- 3. The wording of an agency's decisions, by date: on whose proposal it decides
--    ("Theo đề nghị của …") and who executes it (Điều 3). Agencies change names
--    (Sở Nông nghiệp và Môi trường since 01/03/2025), so each row has its first day.
CREATE TABLE decision_wordings (
    agency_id      TEXT NOT NULL REFERENCES agencies (id),
    effective_from TEXT NOT NULL,
    proposal       TEXT NOT NULL,
    executors      TEXT NOT NULL,
    PRIMARY KEY (agency_id, effective_from)
) STRICT;

-- 4. Who a yearly plan names (III. Tổ chức thực hiện, Nơi nhận): a district's plan
--    names its Phòng and "UBND các xã, thị trấn"; a province's since 2025 its Sở
--    Nông nghiệp và Môi trường and "UBND các xã, phường".
ALTER TABLE programmes ADD COLUMN lead_unit TEXT NOT NULL DEFAULT 'Phòng Nông nghiệp và Phát triển nông thôn';
ALTER TABLE programmes ADD COLUMN finance_unit TEXT NOT NULL DEFAULT 'Phòng Tài chính - Kế hoạch';
ALTER TABLE programmes ADD COLUMN local_units TEXT NOT NULL DEFAULT 'UBND các xã, thị trấn';
