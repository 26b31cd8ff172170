-- The service (`vanthu serve`): accounts, sessions, API tokens, drafts moving through
-- the approval workflow, the audit log, and register search by subject words.

-- Users sign in with a login and a password (argon2id PHC string). One role each:
-- drafter (chuyên viên), signer (lãnh đạo), clerk (văn thư), admin (quản trị).
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    login         TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('drafter', 'signer', 'clerk', 'admin')),
    password_hash TEXT    NOT NULL,
    created_at    TEXT    NOT NULL
) STRICT;

-- Browser sessions: only the SHA-256 of the cookie is stored, with the form token
-- (CSRF) that every form of the session must carry.
CREATE TABLE sessions (
    token_hash TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf       TEXT    NOT NULL,
    expires_ms INTEGER NOT NULL
) STRICT;

-- API tokens (Authorization: Bearer …), stored as SHA-256.
CREATE TABLE api_tokens (
    token_hash TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    label      TEXT    NOT NULL,
    created_at TEXT    NOT NULL
) STRICT;

-- Failed logins, for rate limiting (a window of minutes per login).
CREATE TABLE login_failures (
    login TEXT    NOT NULL,
    at_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX login_failures_by_login ON login_failures (login, at_ms);

-- A document being written from a template: the form's values (JSON), composed again
-- whenever it is previewed or issued. state: draft → submitted → approved → issued;
-- a signer may return a submitted draft to 'draft' with a comment.
CREATE TABLE drafts (
    id          INTEGER PRIMARY KEY,
    template    TEXT    NOT NULL,
    fields      TEXT    NOT NULL,
    subject     TEXT    NOT NULL,
    state       TEXT    NOT NULL CHECK (state IN ('draft', 'submitted', 'approved', 'issued')),
    author_id   INTEGER NOT NULL REFERENCES users (id),
    comment     TEXT,
    document_id INTEGER REFERENCES documents (id),
    created_at  TEXT    NOT NULL,
    updated_at  TEXT    NOT NULL
) STRICT;
CREATE INDEX drafts_by_state ON drafts (state, id);

-- A reminder the schedule drafted, taken into the approval workflow as a draft: it is
-- then issued through that draft (never by the schedule's auto-issue pass).
ALTER TABLE reminder_drafts ADD COLUMN draft_id INTEGER REFERENCES drafts (id);

-- Who did what, when: every workflow transition, every refusal, every admin change.
CREATE TABLE audit_log (
    id      INTEGER PRIMARY KEY,
    at      TEXT    NOT NULL,
    user_id INTEGER REFERENCES users (id),
    login   TEXT    NOT NULL,
    action  TEXT    NOT NULL,
    target  TEXT    NOT NULL,
    outcome TEXT    NOT NULL CHECK (outcome IN ('ok', 'refused')),
    detail  TEXT    NOT NULL DEFAULT ''
) STRICT;

-- Register search by number, number/symbol or kind without a full scan (year has its
-- index since 0001).
CREATE INDEX documents_by_number ON documents (number, year);
CREATE INDEX documents_by_symbol ON documents (number_symbol);
CREATE INDEX documents_by_kind ON documents (kind, id);

-- Register search by subject words and number, accents folded: unicode61 removes the
-- diacritics but keeps đ, so the indexed text has đ → d already.
CREATE VIRTUAL TABLE documents_search USING fts5 (
    words, content = '', tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO documents_search (rowid, words)
SELECT id, replace(replace(subject || ' ' || number_symbol, 'đ', 'd'), 'Đ', 'D') FROM documents;
CREATE TRIGGER documents_search_insert AFTER INSERT ON documents
BEGIN
    INSERT INTO documents_search (rowid, words)
    VALUES (new.id, replace(replace(new.subject || ' ' || new.number_symbol, 'đ', 'd'), 'Đ', 'D'));
END;
