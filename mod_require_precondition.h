/* Copyright 2026 The mod_require_precondition authors
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

/* mod_require_precondition: the version and the log message tags. */

#ifndef MOD_REQUIRE_PRECONDITION_H
#define MOD_REQUIRE_PRECONDITION_H

/* The release, as in CHANGES; shown in the server version (mod_info's
 * "Server Version", ServerTokens Full) and in the start-up debug line. */
#define MOD_REQUIRE_PRECONDITION_VERSION "0.3.0"

/* A unique tag at the start of every log message, as httpd's APLOGNO:
 *     ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, RPLOGNO(00001) "...");
 * gives "RP00001: ...". Write a new message with an empty RPLOGNO() and
 * run tools/lognos.sh --fill, which gives it the next free number;
 * tools/lognos.sh --check (make lint) fails on a duplicate number and on
 * a log call without a tag. */
#define RPLOGNO(n) "RP" #n ": "

#endif /* MOD_REQUIRE_PRECONDITION_H */
