-- Passing an incoming document on and following up its handling (Nghị định 30 Điều 22,
-- 24; issue 34): the handling deadline, the day it was handled and the result. The
-- handler (column 7) and the day it was passed on (column 8) are in 0022.
ALTER TABLE incoming ADD COLUMN deadline TEXT;    -- YYYY-MM-DD
ALTER TABLE incoming ADD COLUMN handled_on TEXT;  -- YYYY-MM-DD
ALTER TABLE incoming ADD COLUMN result TEXT;
