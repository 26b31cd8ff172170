-- wrk: register searches over /api/v1/documents, cycling through word searches (common
-- and rare words, accents typed or not), filters by year, kind and number.
local queries = {
  "q=don+doc&year=2010",
  "q=%C4%91%C3%B4n+%C4%91%E1%BB%91c+OCOP",
  "q=truy+xuat+nguon+goc",
  "q=quy+hoach+vung&year=2024",
  "q=hoi+dong+cap+huyen&kind=b%C3%A1o+c%C3%A1o",
  "year=2015&kind=c%C3%B4ng+v%C4%83n",
  "number=780&year=2021",
  "q=dot+96",
  "q=khong+co+tu+nay",
  "",
}
local i = 0
request = function()
  i = i + 1
  local q = queries[(i % #queries) + 1]
  return wrk.format("GET", "/api/v1/documents?" .. q, {["Authorization"] = "Bearer " .. os.getenv("VANTHU_TOKEN")})
end
