-- Who holds a row being sent: the claim token of the worker run that claimed it. A
-- worker renews the leases of its own rows and records an outcome only under its own
-- claim, so a second worker (`vanthu send` while `vanthu serve` runs) never takes a row
-- that is still being sent. A row reclaimed after its lease ran out gets an
-- 'abandoned' attempt, so the attempt log counts every attempt.
ALTER TABLE deliveries ADD COLUMN claim TEXT;
