-- Copyright 2026 The mod_require_precondition authors
--
-- Licensed under the Apache License, Version 2.0 (the "License");
-- you may not use this file except in compliance with the License.
-- You may obtain a copy of the License at
--
--     http://www.apache.org/licenses/LICENSE-2.0
--
-- Unless required by applicable law or agreed to in writing, software
-- distributed under the License is distributed on an "AS IS" BASIS,
-- WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
-- See the License for the specific language governing permissions and
-- limitations under the License.

-- wrk script of `make soak`: a mix of request kinds, each response checked
-- against what its kind must get. The kind travels in X-Soak-Kind and comes
-- back in the response (mod_headers: Header always echo).
--
-- Kinds, in turn on every connection:
--   get        GET of an existing file                     200
--   put        unconditional PUT                           428 text/html
--   json       unconditional PUT, Accept: application/json 428 application/problem+json
--   delete     unconditional DELETE                        428
--   put_match  PUT with If-Match: * on an existing file    204
--   put_stale  PUT with a stale If-Match                   412
--   create     PUT with If-None-Match: * on existing file  412
-- SOAK_FILES files under /dav/soak/ (soak/run.sh creates them).

local files = tonumber(os.getenv("SOAK_FILES") or "64")
local body = string.rep("soak data\n", 20)

local kinds = {
  { name = "get", method = "GET", status = 200 },
  { name = "put", method = "PUT", status = 428, ctype = "text/html" },
  { name = "json", method = "PUT", status = 428,
    ctype = "application/problem+json",
    headers = { ["Accept"] = "application/json" } },
  { name = "delete", method = "DELETE", status = 428 },
  { name = "put_match", method = "PUT", status = 204,
    headers = { ["If-Match"] = "*" } },
  { name = "put_stale", method = "PUT", status = 412,
    headers = { ["If-Match"] = '"stale-etag"' } },
  { name = "create", method = "PUT", status = 412,
    headers = { ["If-None-Match"] = "*" } },
}
local by_name = {}
for _, k in ipairs(kinds) do by_name[k.name] = k end

-- The threads, for done() to collect their counts.
local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

local n = 0
counts = {}     -- "kind status" -> responses
bad = {}        -- "kind status type" -> responses that were not as expected

function request()
  n = n + 1
  local k = kinds[(n - 1) % #kinds + 1]
  local path = string.format("/dav/soak/f%d.txt", (n * 7) % files)
  local h = { ["X-Soak-Kind"] = k.name }
  for name, value in pairs(k.headers or {}) do h[name] = value end
  local b = nil
  if k.method == "PUT" then b = body end
  return wrk.format(k.method, path, h, b)
end

function response(status, headers, rbody)
  local name = headers["X-Soak-Kind"] or "unknown"
  local key = name .. " " .. status
  counts[key] = (counts[key] or 0) + 1
  local k = by_name[name]
  local ctype = headers["Content-Type"] or ""
  local ok = k ~= nil and status == k.status
  if ok and k.ctype then
    ok = string.sub(ctype, 1, #k.ctype) == k.ctype
  end
  if not ok then
    local bkey = key .. " " .. ctype
    bad[bkey] = (bad[bkey] or 0) + 1
  end
end

function done(summary, latency, requests)
  local total, unexpected, fivexx = {}, {}, 0
  for _, t in ipairs(threads) do
    for key, c in pairs(t:get("counts")) do
      total[key] = (total[key] or 0) + c
      local st = tonumber(string.match(key, " (%d+)$"))
      if st and st >= 500 then fivexx = fivexx + c end
    end
    for key, c in pairs(t:get("bad")) do
      unexpected[key] = (unexpected[key] or 0) + c
    end
  end
  local e = summary.errors
  local out = io.open(os.getenv("SOAK_RESULT") or "/dev/stdout", "w")
  out:write(string.format("requests %d\n", summary.requests))
  out:write(string.format("duration_us %d\n", summary.duration))
  out:write(string.format("socket_errors %d\n",
                          e.connect + e.read + e.write + e.timeout))
  out:write(string.format("errors connect=%d read=%d write=%d timeout=%d\n",
                          e.connect, e.read, e.write, e.timeout))
  out:write(string.format("fivexx %d\n", fivexx))
  out:write(string.format("latency_p99_ms %.2f\n",
                          latency:percentile(99) / 1000))
  local nbad = 0
  for key, c in pairs(unexpected) do
    nbad = nbad + c
    out:write(string.format("unexpected %s: %d\n", key, c))
  end
  out:write(string.format("unexpected_total %d\n", nbad))
  for key, c in pairs(total) do
    out:write(string.format("count %s %d\n", key, c))
  end
  out:close()
end
