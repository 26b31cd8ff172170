-- Deadline reminders on a schedule.
-- A policy says when a milestone's reminders fire: N days before the due date (list),
-- on the due date, every K days while overdue; in calendar or working days (weekends
-- and the holidays below skipped); and whether a reminder stays a draft for a signer,
-- is issued, or is issued and sent. scope: '' (default), a programme id or a milestone id,
-- or (for certificate expiry notices) the certifying agency's id. Certificates: a notice
-- N months before they expire (expiry_months) and on the day they expire (on_expiry).
CREATE TABLE reminder_policies (
    scope         TEXT    PRIMARY KEY,
    before_days   TEXT    NOT NULL DEFAULT '',      -- e.g. '14,3'
    on_due        INTEGER NOT NULL DEFAULT 1 CHECK (on_due IN (0, 1)),
    overdue_every INTEGER CHECK (overdue_every > 0),
    working_days  INTEGER NOT NULL DEFAULT 0 CHECK (working_days IN (0, 1)),
    auto          TEXT    NOT NULL DEFAULT 'draft' CHECK (auto IN ('draft', 'issue', 'send')),
    issuer_id     TEXT    REFERENCES agencies (id), -- who writes the reminders (default: the programme's issuer)
    expiry_months TEXT    NOT NULL DEFAULT '6,3',
    on_expiry     INTEGER NOT NULL DEFAULT 1 CHECK (on_expiry IN (0, 1))
) STRICT;
INSERT INTO reminder_policies (scope, before_days, on_due, overdue_every, working_days, auto)
VALUES ('', '14,3', 1, 7, 0, 'draft');

-- Public holidays (Tết and the fixed days), for working-day arithmetic.
CREATE TABLE holidays (
    date TEXT PRIMARY KEY,
    name TEXT NOT NULL
) STRICT;

-- One row per reminder the schedule drafted: a milestone's step (UNIQUE: a step fires
-- once, whoever runs), or a certificate expiry notice of a certifying agency
-- (milestone_id NULL, issuer_id set; its certificates in certificate_firings).
CREATE TABLE reminder_drafts (
    id           INTEGER PRIMARY KEY,
    milestone_id TEXT    REFERENCES milestones (id),
    issuer_id    TEXT    REFERENCES agencies (id),
    step         TEXT    NOT NULL,                 -- before-14, due, overdue-7, …
    fired_on     TEXT    NOT NULL,
    agencies     INTEGER NOT NULL,
    status       TEXT    NOT NULL CHECK (status IN ('draft', 'issued', 'empty')),
    document_id  INTEGER REFERENCES documents (id),
    created_at   TEXT    NOT NULL,
    UNIQUE (milestone_id, step),
    CHECK ((milestone_id IS NULL) != (issuer_id IS NULL))
) STRICT;

-- Exactly once per (milestone, step, agency).
CREATE TABLE reminder_firings (
    milestone_id TEXT    NOT NULL,
    step         TEXT    NOT NULL,
    agency_id    TEXT    NOT NULL,
    draft_id     INTEGER NOT NULL REFERENCES reminder_drafts (id),
    PRIMARY KEY (milestone_id, step, agency_id)
) STRICT, WITHOUT ROWID;

-- Exactly once per (certificate, step): before-6m, before-3m, expired.
CREATE TABLE certificate_firings (
    certificate_id INTEGER NOT NULL REFERENCES certificates (id),
    step           TEXT    NOT NULL,
    draft_id       INTEGER NOT NULL REFERENCES reminder_drafts (id),
    PRIMARY KEY (certificate_id, step)
) STRICT, WITHOUT ROWID;

-- Milestones on which every agency had reported by a run's date: skipped afterwards,
-- until an agency is added to the milestone.
CREATE TABLE reminder_closed (
    milestone_id TEXT PRIMARY KEY,
    closed_on    TEXT NOT NULL
) STRICT;
CREATE TRIGGER reminder_reopen AFTER INSERT ON milestone_agencies
BEGIN
    DELETE FROM reminder_closed WHERE milestone_id = NEW.milestone_id;
END;

-- Every run of the schedule, for the record.
CREATE TABLE reminder_runs (
    id       INTEGER PRIMARY KEY,
    run_date TEXT    NOT NULL,
    at       TEXT    NOT NULL,
    drafts   INTEGER NOT NULL,
    firings  INTEGER NOT NULL,
    issued   INTEGER NOT NULL
) STRICT;

-- Who has not reported by a day, without scanning the agencies that have.
CREATE INDEX milestone_agencies_pending ON milestone_agencies (milestone_id, reported_on);
