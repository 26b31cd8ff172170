-- wrk: a drafter typing in the composer. POST /api/v1/drafts/preview with a free
-- công văn of three pages (VANTHU_PARAGRAPHS paragraphs, default 28); every request
-- is new content: MODE=typing grows one paragraph in the middle by a word per request
-- (up to 60 words, then anew: what the debounced editor sends), MODE=distinct changes every paragraph. Each
-- connection (a drafter) types its own text. Prints p50/p95/p99 at the end.
local mode = os.getenv("MODE") or "typing"
local count = tonumber(os.getenv("VANTHU_PARAGRAPHS") or "28")
local token = os.getenv("VANTHU_TOKEN")
local threads = {}
local thread_id = 0
function setup(thread)
  thread_id = thread_id + 1
  thread:set("id", thread_id)
  table.insert(threads, thread)
end
local n = 0
local function paragraph(i, tag)
  return i .. ". Đề nghị các đơn vị " .. tag .. "báo cáo kết quả thực hiện nhiệm vụ số " .. i
    .. " của Kế hoạch năm 2026, nêu rõ khó khăn, vướng mắc và đề xuất giải pháp tháo gỡ"
    .. " trong thời gian tới, gửi về Sở **trước ngày 15/12/2026**."
end
function request()
  n = n + 1
  local tag = "(người soạn " .. id .. ", lần " .. n .. ") "
  local parts = {}
  for i = 1, count do
    if mode == "distinct" then
      parts[i] = paragraph(i, tag)
    elseif i == math.floor(count / 2) then
      parts[i] = paragraph(i, "") .. string.rep(" gõ thêm", n % 60) .. " " .. id .. "-" .. n
    else
      parts[i] = paragraph(i, "")
    end
  end
  local body = table.concat(parts, "\\n\\n") .. "\\n\\nTrân trọng./."
  local json = '{"template":"letter","fields":{'
    .. '"kind":"công văn","issuer":"snn-bac-giang","signer":"duong-thanh-tung",'
    .. '"date":"2026-12-04","subject":"V/v báo cáo kết quả thực hiện\\nChương trình OCOP năm 2026",'
    .. '"addressees":"UBND các huyện, thành phố\\nUBND các xã, thị trấn",'
    .. '"body":"' .. body .. '","recipients":"Như trên;\\nLưu: VT, PTNT."}}'
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
  }, json)
end
bad = 0 -- global: done() reads each thread's copy with thread:get
function response(status, headers, body)
  local pages = body:match('"page_count":(%d+)')
  if status ~= 200 or not body:find('"ok":true', 1, true) or pages ~= (os.getenv("PAGES") or "3") then
    bad = bad + 1
    if bad == 1 then io.stderr:write("unexpected answer " .. status .. ": " .. body:sub(1, 300) .. "\n") end
  end
end
function done(summary, latency, requests)
  -- Answers that were not 3 pages of images, counted by each thread's response().
  for _, t in ipairs(threads) do bad = bad + (t:get("bad") or 0) end
  io.write(string.format("previews %d, errors %d; p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms\n",
    summary.requests, summary.errors.status + summary.errors.timeout + bad,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
