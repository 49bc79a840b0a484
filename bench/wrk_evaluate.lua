-- wrk script for POST /v1/equivalences/evaluate: every request gets a fresh request_id.
-- Bodies (without request_id), one JSON object per line, come from the file in EQV_BODIES.
-- The threads (EQV_WRK_THREADS, = wrk -t) interleave over the bodies, so no body is sent twice
-- before all have been sent once (the cold mode's bodies carry ementas new to the service).
local bodies = {}
for line in io.lines(os.getenv("EQV_BODIES")) do bodies[#bodies + 1] = line end
local key = os.getenv("EQV_API_KEY")
local nthreads = tonumber(os.getenv("EQV_WRK_THREADS") or "1")
local counter = 0
local threads = 0
local run = os.getenv("EQV_RUN_ID") or tostring(os.time())

-- Each wrk thread has its own Lua state: number them so request_ids never collide.
local all_threads = {}
setup = function(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
  all_threads[threads] = thread
end

local prefix
init = function(args)
  prefix = run .. "-" .. tostring(thread_id)
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-API-Key"] = key

request = function()
  counter = counter + 1
  local template = bodies[((counter - 1) * nthreads + (thread_id - 1)) % #bodies + 1]
  local body = '{"request_id":"bench-' .. prefix .. "-" .. counter .. '",' .. string.sub(template, 2)
  return wrk.format(nil, "/v1/equivalences/evaluate", nil, body)
end

-- Non-200 answers by status, per thread (read back in done); the first three bodies go to stderr.
statuses = {}
local shown = 0
response = function(status, headers, body)
  if status ~= 200 then
    statuses[status] = (statuses[status] or 0) + 1
    if shown < 3 then
      shown = shown + 1
      io.stderr:write("wrk: HTTP " .. status .. ": " .. string.sub(body or "", 1, 300) .. "\n")
    end
  end
end

done = function(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(all_threads) do
    for status, n in pairs(thread:get("statuses") or {}) do counts[status] = (counts[status] or 0) + n end
  end
  local parts = {}
  for status, n in pairs(counts) do parts[#parts + 1] = string.format('"%d": %d', status, n) end
  table.sort(parts)
  io.write(string.format('{"non_2xx_by_status": {%s}, "requests": %d, "non_2xx": %d, "socket_errors": %d, "duration_s": %.2f, "throughput_rps": %.1f, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f}\n',
    table.concat(parts, ", "), summary.requests, summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
