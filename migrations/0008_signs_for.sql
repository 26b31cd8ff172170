-- The agencies a person may sign for besides their own (ids joined by ","): a letter
-- of one agency signed by a person of another is refused unless it is listed here.
ALTER TABLE people ADD COLUMN signs_for TEXT NOT NULL DEFAULT '';
