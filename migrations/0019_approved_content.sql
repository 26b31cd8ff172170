-- What the signer approved is exactly what is issued (issue 37): at approval, the
-- draft's composition frozen (the letter, every stored record it read, its day, a
-- decision's evaluations; JSON) with its SHA-256; at issue, the hash of what was issued.
-- Drafts approved before this migration have none: they go back to their signer.
ALTER TABLE drafts ADD COLUMN approved_content TEXT;
ALTER TABLE drafts ADD COLUMN approved_hash TEXT;
ALTER TABLE drafts ADD COLUMN issued_hash TEXT;
