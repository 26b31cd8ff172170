-- Programme data: agencies and who signs for them, recipient groups, OCOP
-- programmes, producers, products, evaluations, certificates, milestones.
CREATE TABLE agencies (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,               -- printed lines joined by a newline
    parent_id    TEXT REFERENCES agencies (id),
    level        TEXT NOT NULL CHECK (level IN ('national', 'province', 'district', 'commune', 'department', 'office', 'other')),
    place        TEXT NOT NULL,
    abbreviation TEXT NOT NULL,
    short_name   TEXT NOT NULL,
    units        TEXT NOT NULL DEFAULT '',    -- drafting units, comma-separated
    email        TEXT
) STRICT;

CREATE TABLE people (
    id        TEXT PRIMARY KEY,
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    name      TEXT NOT NULL,
    title     TEXT NOT NULL,
    authority TEXT NOT NULL DEFAULT '',       -- authority lines joined by a newline
    email     TEXT
) STRICT;

CREATE TABLE recipient_groups (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL
) STRICT;

CREATE TABLE group_members (
    group_id  TEXT NOT NULL REFERENCES recipient_groups (id),
    agency_id TEXT NOT NULL REFERENCES agencies (id),
    PRIMARY KEY (group_id, agency_id)
) STRICT;

CREATE TABLE programmes (
    id              TEXT PRIMARY KEY,
    year            INTEGER NOT NULL,
    issuer_id       TEXT NOT NULL REFERENCES agencies (id),
    name            TEXT NOT NULL,
    target_products INTEGER
) STRICT;

CREATE TABLE budget_lines (
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    position     INTEGER NOT NULL,
    label        TEXT NOT NULL,
    amount       INTEGER NOT NULL CHECK (amount >= 0),  -- đồng
    PRIMARY KEY (programme_id, position)
) STRICT;

CREATE TABLE producers (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('enterprise', 'cooperative', 'household', 'group')),
    address    TEXT NOT NULL,
    commune_id TEXT REFERENCES agencies (id),
    email      TEXT
) STRICT;

CREATE TABLE products (
    id            TEXT PRIMARY KEY,
    producer_id   TEXT NOT NULL REFERENCES producers (id),
    name          TEXT NOT NULL,
    product_group TEXT NOT NULL DEFAULT '',
    programme_id  TEXT REFERENCES programmes (id),
    note          TEXT NOT NULL DEFAULT '',
    UNIQUE (producer_id, name)
) STRICT;
CREATE INDEX products_by_programme ON products (programme_id, producer_id);

CREATE TABLE evaluations (
    id            INTEGER PRIMARY KEY,
    product_id    TEXT NOT NULL REFERENCES products (id),
    round         TEXT NOT NULL,
    date          TEXT NOT NULL,
    score         INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
    council_level TEXT NOT NULL CHECK (council_level IN ('commune', 'district', 'province', 'national'))
) STRICT;

CREATE TABLE certificates (
    id         INTEGER PRIMARY KEY,
    product_id TEXT NOT NULL REFERENCES products (id),
    decision   TEXT NOT NULL,
    stars      INTEGER NOT NULL CHECK (stars BETWEEN 3 AND 5),
    issued_on  TEXT NOT NULL,
    expires_on TEXT NOT NULL
) STRICT;

CREATE TABLE milestones (
    id           TEXT PRIMARY KEY,
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    what         TEXT NOT NULL,
    due_date     TEXT NOT NULL
) STRICT;

CREATE TABLE milestone_agencies (
    milestone_id TEXT NOT NULL REFERENCES milestones (id),
    agency_id    TEXT NOT NULL REFERENCES agencies (id),
    reported_on  TEXT,
    PRIMARY KEY (milestone_id, agency_id)
) STRICT;
