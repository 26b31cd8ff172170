-- Which stars each level of People's Committee may certify, per province
-- (province_id '' is the default for every province without its own rows).
-- Default: Quyết định 148/QĐ-TTg (2023): district 3★, province 4★, national 5★.
-- The two-tier structure since 1 July 2025 is expressed by rows for a province,
-- e.g. province 3–4★ and no district row.
CREATE TABLE tier_policies (
    province_id TEXT NOT NULL,
    level       TEXT NOT NULL CHECK (level IN ('commune', 'district', 'province', 'national')),
    min_stars   INTEGER NOT NULL CHECK (min_stars BETWEEN 3 AND 5),
    max_stars   INTEGER NOT NULL CHECK (max_stars BETWEEN min_stars AND 5),
    PRIMARY KEY (province_id, level)
) STRICT;

INSERT INTO tier_policies (province_id, level, min_stars, max_stars) VALUES
    ('', 'district', 3, 3),
    ('', 'province', 4, 4),
    ('', 'national', 5, 5);
