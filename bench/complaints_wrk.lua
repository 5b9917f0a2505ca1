-- Public complaint filings at a constant arrival rate, for Debian's wrk (bench/complaints_wrk.py).
--
--   wrk -t T -c C -d 20s -s bench/complaints_wrk.lua http://127.0.0.1:PORT -- RATE RUN PRODUCT
--
-- Each connection first GETs the form (the csrftoken cookie and the hidden field; one GET
-- per connection until its thread has both), then POSTs valid, distinct filings: its own
-- e-mail address and order number each time, so neither the de-duplication nor the
-- contact limit refuses them. Debian's wrk has no -R: the delay() hook paces the thread to
-- a fixed schedule (slot k at start + k x T x 1000 / RATE ms); a connection still busy
-- when its slot comes sends late, and wrk times a request from when it is sent, not from
-- its slot (coordinated omission): the `late` count says how often that happened.
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } timespec_t;
  int clock_gettime(int clk_id, timespec_t *tp);
]]
local ts = ffi.new("timespec_t")
local function now_ms()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

function init(args)
  rate = tonumber(args[1])
  run = args[2]
  product = args[3]
  nthreads = tonumber(args[4])
  interval = nthreads * 1000 / rate -- ms between this thread's slots
  start, slot = nil, 0
  cookie, token = nil, nil
  filings, gets, posts, errors, late, refused = 0, 0, 0, 0, 0, 0
  outstanding = 0 -- GETs sent before the thread had its token, not yet answered
  bad = "" -- the first few unexpected statuses, for the bench's log
end

function delay()
  local t = now_ms()
  if start == nil then start = t end
  local due = start + slot * interval
  slot = slot + 1
  if due < t - 5 then late = late + 1 end
  return math.max(0, math.floor(due - t))
end

local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function request()
  if token == nil then
    gets = gets + 1
    outstanding = outstanding + 1
    return wrk.format("GET", "/complaints/new/", { ["Accept-Language"] = "en" })
  end
  posts = posts + 1
  local n = tid .. "-" .. posts
  local body = table.concat({
    "csrfmiddlewaretoken=" .. urlencode(token),
    "consumer_name=" .. urlencode("Wrk consumer " .. n),
    "consumer_email=" .. urlencode("wrk" .. run .. "-" .. n .. "@example.test"),
    "order_number=" .. urlencode("WRK-" .. run .. "-" .. n),
    "delivered_on=",
    "product=" .. product,
    "complaint_type=quality_defect",
    "description=" .. urlencode("The kettle leaks from the bottom after two days."),
    "desired_remedy=other",
  }, "&")
  return wrk.format("POST", "/complaints/new/", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = cookie,
    ["Accept-Language"] = "en",
  }, body)
end

function response(status, headers, body)
  if outstanding > 0 and status == 200 then
    -- The form, fetched by a connection that started before its thread had the token
    -- (GETs go out first, so they are answered before the thread's POSTs).
    outstanding = outstanding - 1
    if token == nil then
      local set = headers["Set-Cookie"] or headers["set-cookie"] or ""
      local value = set:match("csrftoken=([^;]+)")
      local field = body:match('name="csrfmiddlewaretoken" value="([^"]+)"')
      if value and field then
        cookie, token = "csrftoken=" .. value, field
      end
    end
    return
  end
  if token == nil then
    errors = errors + 1
    if #bad < 40 then bad = bad .. "get:" .. status .. "," end
    return
  end
  local location = headers["Location"] or headers["location"] or ""
  if status == 302 and location:find("/complaints/case/", 1, true) then
    filings = filings + 1
  elseif status == 429 then
    refused = refused + 1
  else
    errors = errors + 1
    if #bad < 40 then bad = bad .. status .. "," end
  end
end

function done(summary, latency, requests)
  local total = { filings = 0, gets = 0, errors = 0, late = 0, refused = 0 }
  local bad_statuses = ""
  for _, thread in ipairs(threads) do
    bad_statuses = bad_statuses .. (thread:get("bad") or "")
    for name, _ in pairs(total) do
      total[name] = total[name] + (thread:get(name) or 0)
    end
  end
  -- One line the bench parses (latencies in ms; wrk's histogram holds every request,
  -- the GETs for the CSRF token included).
  io.write(string.format(
    "WRK_RESULT requests=%d seconds=%.3f filings=%d gets=%d errors=%d refused=%d late=%d " ..
    "socket_errors=%d timeouts=%d p50=%.1f p95=%.1f p99=%.1f max=%.1f\nWRK_BAD %s\n",
    summary.requests, summary.duration / 1e6, total.filings, total.gets, total.errors,
    total.refused, total.late,
    summary.errors.connect + summary.errors.read + summary.errors.write,
    summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, bad_statuses))
end
