-- Replays the requests listed in $BENCH_DATA (one per line: METHOD<TAB>PATH<TAB>TOKEN<TAB>BODY),
-- each wrk thread taking every n-th line, in order, wrapping around when it runs out.
-- Prints one line "BENCH_RESULT {json}" with counts and latency percentiles (microseconds).

local counter = 0

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end

function init(args)
  local nthreads = tonumber(os.getenv("BENCH_THREADS"))
  reqs = {}
  local i = 0
  for line in io.lines(os.getenv("BENCH_DATA")) do
    if i % nthreads == tid then
      local method, path, token, body = line:match("^(%S+)\t(%S+)\t(%S*)\t(.*)$")
      local headers = { ["Content-Type"] = "application/json" }
      if token ~= "" then headers["Authorization"] = "Bearer " .. token end
      if body == "" then body = nil end
      table.insert(reqs, wrk.format(method, path, headers, body))
    end
    i = i + 1
  end
  n = 0
end

function request()
  n = n + 1
  return reqs[((n - 1) % #reqs) + 1]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "socket_errors": %d, "non_2xx": %d, '
      .. '"p50_us": %d, "p95_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
