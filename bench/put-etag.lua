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

-- wrk: conditional PUTs to RP_FILES distinct resources /docs/ser/f<i>.txt.
-- Every file holds the same bytes (RP_BODY, default "serialize bench\n")
-- and every PUT writes them again, so with FileETag Digest the strong ETag
-- RP_ETAG stays current and each PUT succeeds (204).
-- RP_PICK=turn (default): each wrk thread takes the files in turn from its
-- own starting point, so two requests never aim at one file at once.
-- RP_PICK=random: each request picks a file at random, as independent
-- clients do: two writers meet on one file now and then, and with
-- serialization the second waits for the first.
local files = tonumber(os.getenv("RP_FILES") or "1000")
local etag = os.getenv("RP_ETAG") or error("RP_ETAG is not set")
local body = os.getenv("RP_BODY") or "serialize bench\n"
local pick = os.getenv("RP_PICK") or "turn"
local threads = 0
local i = 0

setup = function(thread)
    thread:set("rp_thread", threads)
    threads = threads + 1
end

init = function(args)
    local t = rp_thread or 0
    i = (t * 499) % files
    math.randomseed(os.time() * 7919 + t)
end

wrk.method = "PUT"
wrk.body = body
wrk.headers["Content-Type"] = "text/plain"
wrk.headers["If-Match"] = etag

request = function()
    if pick == "random" then
        i = math.random(0, files - 1)
    else
        i = (i + 1) % files
    end
    return wrk.format(nil, "/docs/ser/f" .. i .. ".txt")
end
