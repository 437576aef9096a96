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

-- wrk: conditional PUTs of the body in RP_BODY (a file) to RP_FILES files
-- RP_PREFIX<i>.txt that hold those bytes already, in turn: with FileETag
-- Digest the ETag RP_ETAG stays current, and each PUT gets 204 (part 7).
local files = tonumber(os.getenv("RP_FILES") or "8")
local etag = os.getenv("RP_ETAG") or error("RP_ETAG is not set")
local prefix = os.getenv("RP_PREFIX") or error("RP_PREFIX is not set")
local f = assert(io.open(os.getenv("RP_BODY") or error("RP_BODY is not set"), "rb"))
local i = 0

wrk.method = "PUT"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/octet-stream"
wrk.headers["If-Match"] = etag

request = function()
    i = (i + 1) % files
    return wrk.format(nil, prefix .. i .. ".txt")
end
