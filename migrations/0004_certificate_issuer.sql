-- The People's Committee that certified a product, so a decision's certificates can be
-- printed without naming the issuer again. NULL for certificates imported without one.
ALTER TABLE certificates ADD COLUMN issuer_id TEXT REFERENCES agencies (id);
CREATE INDEX certificates_by_decision ON certificates (decision);
