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

-- wrk: PUTs with If-Match: * to one resource, /docs/fair.txt: every
-- connection is a writer that, answered, writes again at once (part 5).
wrk.method = "PUT"
wrk.path = "/docs/fair.txt"
wrk.body = "fair\n"
wrk.headers["Content-Type"] = "text/plain"
wrk.headers["If-Match"] = "*"
