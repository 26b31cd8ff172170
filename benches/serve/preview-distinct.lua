-- wrk: POST a new document to /api/v1/preview on every request: seed 004's letter
-- with its number and every paragraph of its body changed (a user never previews
-- the same document twice, and typst memoises a repeated one). Token and letter as
-- in preview.lua.
local f = assert(io.open(os.getenv("VANTHU_LETTER"), "rb"))
local base = f:read("*a")
f:close()
local head, body, tail = base:match('^(.-body = """)(.-)(""".*)$')
assert(head, "the letter has a body = \"\"\" … \"\"\"")
local n = 0
local thread_id = 0
function setup(thread)
  thread_id = thread_id + 1
  thread:set("offset", thread_id * 1000000)
end
function request()
  n = n + 1
  local k = (offset or 0) + n
  local b = body:gsub("\n\n", "\n\nMục " .. k .. ": ")
  local letter = head:gsub("number = 780", "number = " .. (k % 9000 + 1)) .. b .. tail
  return wrk.format("POST", nil, {
    ["Content-Type"] = "text/plain; charset=utf-8",
    ["Authorization"] = "Bearer " .. os.getenv("VANTHU_TOKEN"),
  }, letter)
end
