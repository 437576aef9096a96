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

-- Part 9 of make bench: conditional PUTs of the same JSON document back
-- to the backend, one document per connection (RP_FILES), with the ETag
-- the backend gives it (the same bytes every time: it stays current).
local files = tonumber(os.getenv("RP_FILES") or "8")
local etag = os.getenv("RP_ETAG") or error("RP_ETAG is not set")
local i = 0

wrk.method = "PUT"
wrk.body = '{"n":0}\n'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["If-Match"] = etag

request = function()
    i = (i + 1) % files
    return wrk.format(nil, "/api/ev/f" .. i .. ".json")
end
