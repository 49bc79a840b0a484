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
setup = function(thread)
  threads = threads + 1
  thread:set("thread_id", threads)
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

local errors = 0
response = function(status, headers, body)
  if status ~= 200 then errors = errors + 1 end
end

done = function(summary, latency, requests)
  io.write(string.format('{"requests": %d, "non_2xx": %d, "socket_errors": %d, "duration_s": %.2f, "throughput_rps": %.1f, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f}\n',
    summary.requests, summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
