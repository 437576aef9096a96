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

-- wrk: conditional PUTs to RP_FILES distinct resources /docs/ser/f<i>.txt,
-- in turn. Every file holds the same bytes and every PUT writes them
-- again, so with FileETag Digest the strong ETag RP_ETAG stays current and
-- each PUT succeeds (204) without two requests ever aiming at one file
-- at once.
local files = tonumber(os.getenv("RP_FILES") or "1000")
local etag = os.getenv("RP_ETAG") or error("RP_ETAG is not set")
local i = 0

wrk.method = "PUT"
wrk.body = "serialize bench\n"
wrk.headers["Content-Type"] = "text/plain"
wrk.headers["If-Match"] = etag

request = function()
    i = (i + 1) % files
    return wrk.format(nil, "/docs/ser/f" .. i .. ".txt")
end
