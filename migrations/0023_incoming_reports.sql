-- An agency's report on a milestone can be an incoming document (issue 34): the entry
-- that answered the dispatch is kept as the evidence of the report. NULL: recorded by
-- hand (`vanthu milestones report`, the dashboard's form).
ALTER TABLE milestone_agencies ADD COLUMN report_incoming_id INTEGER REFERENCES incoming (id);
