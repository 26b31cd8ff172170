-- wrk: POST seed 004's letter file to /api/v1/preview (the PDF preview endpoint).
-- The API token comes from VANTHU_TOKEN, the letter from VANTHU_LETTER.
local f = assert(io.open(os.getenv("VANTHU_LETTER"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "text/plain; charset=utf-8"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("VANTHU_TOKEN")
