-- wrk script for POST /v1/equivalences/evaluate: every request gets a fresh request_id.
-- Bodies (without request_id), one JSON object per line, come from the file in EQV_BODIES.
local bodies = {}
for line in io.lines(os.getenv("EQV_BODIES")) do bodies[#bodies + 1] = line end
local key = os.getenv("EQV_API_KEY")
local counter = 0
local threads = 0
local run = tostring(os.time())

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
  local template = bodies[(counter % #bodies) + 1]
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
