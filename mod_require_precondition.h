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

/* mod_require_precondition.h: what the module shows outside its code: the
 * release, and the notes a request carries for LogFormat
 * (%{precondition-missing}n ...), which the docs name. What only the
 * module's own httpd files share is rp_module.h. */

#ifndef MOD_REQUIRE_PRECONDITION_H
#define MOD_REQUIRE_PRECONDITION_H

/* The release, as in CHANGES; shown in the server version (mod_info's
 * "Server Version", ServerTokens Full) and in the start-up debug line. */
#define MOD_REQUIRE_PRECONDITION_VERSION "0.4.0"

/* The notes a request carries (r->notes) for LogFormat. */
#define RP_NOTE_MISSING   "precondition-missing"
#define RP_NOTE_COUNTED   "precondition-counted"
#define RP_NOTE_LOCK_WAIT "precondition-lock-wait"

#endif /* MOD_REQUIRE_PRECONDITION_H */
