-- The account an incoming document is passed on to (issue 34, step 5): the handler
-- sees it on their dashboard and records the result. `handler` (column 7 of the book)
-- stays the words the book prints ("Phòng Kinh tế", "Đ/c Hà Văn Sơn"); this is the
-- login behind them, when the handler has an account.
ALTER TABLE incoming ADD COLUMN handler_login TEXT;
CREATE INDEX incoming_handler_login ON incoming(agency_id, handler_login) WHERE handled_on IS NULL;
