-- The requests `bench load` (bench/bench_load.py) sends through wrk, and their timing.
--
-- wrk -t N -c N -s load.lua URL -- REQUESTS RATE N: one connection per thread, so each
-- thread knows which request a response answers. REQUESTS is a file of tab-separated
-- lines "endpoint, method, path, token, JSON body or -" drawn from the mix by the bench;
-- thread i starts at line i and steps by N. RATE is requests per second over all
-- threads (each thread sends its share on a fixed schedule), 0 for flat out.
--
-- Latency is measured from the scheduled time, not the send time: a request that waits
-- for its connection to come free counts that wait (no coordinated omission). Each thread
-- keeps "endpoint milliseconds status" samples; done() prints them for the bench to read.

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } timespec;
  int clock_gettime(int clock, timespec *t);
]]
local CLOCK_MONOTONIC = 1
local timespec = ffi.new("timespec")

local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, timespec)
  return tonumber(timespec.tv_sec) * 1000 + tonumber(timespec.tv_nsec) / 1e6
end

local threads = {}
local count = 0

function setup(thread)
  thread:set("index", count)
  count = count + 1
  table.insert(threads, thread)
end

function init(args)
  local requests_file, rate = args[1], tonumber(args[2])
  thread_count = tonumber(args[3])
  requests = {}
  local line_number = 0
  for line in io.lines(requests_file) do
    if line_number % thread_count == index then
      local name, method, path, token, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      local headers = { ["Authorization"] = "Token " .. token }
      if body == "-" then
        body = nil
      else
        headers["Content-Type"] = "application/json"
      end
      table.insert(requests, { name = name, raw = wrk.format(method, path, headers, body) })
    end
    line_number = line_number + 1
  end
  next_request = 1
  -- This thread's share of the rate; the threads start staggered over one interval.
  interval = rate > 0 and 1000 * thread_count / rate or 0
  started = now_ms() + interval * index / thread_count
  sent = 0
  samples = {}
end

function delay()
  if interval == 0 then
    scheduled = now_ms()
    return 0
  end
  scheduled = started + sent * interval
  sent = sent + 1
  return math.max(0, scheduled - now_ms())
end

function request()
  current = requests[next_request]
  next_request = next_request % #requests + 1
  return current.raw
end

function response(status, headers, body)
  table.insert(samples, current.name .. " " .. string.format("%.3f", now_ms() - scheduled) .. " " .. status)
end

function done(summary, latency, requests)
  local errors = summary.errors
  print(string.format("socket-errors %d %d %d %d", errors.connect, errors.read, errors.write, errors.timeout))
  for _, thread in ipairs(threads) do
    for _, sample in ipairs(thread:get("samples")) do
      print("sample " .. sample)
    end
  end
end
