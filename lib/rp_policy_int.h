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

/* rp_policy_int.h: private to the policy's files in lib/ (rp_syntax.c and
 * its users): the pieces of syntax the parsers share. Not for the glue,
 * which includes rp_policy.h. */

#ifndef RP_POLICY_INT_H
#define RP_POLICY_INT_H

#include "apr.h"

/* A tchar of RFC 9110 5.6.2. */
int rp_is_tchar(unsigned char c);

/* Skip optional white space. */
const char *rp_ows(const char *s);

/* The value of the hexadecimal digit c (which must be one). */
int rp_hexval(char c);

/* One byte of a %-encoded path at *s, advancing *s; -1 at the end. */
int rp_path_byte(const char **s, const char *end);

/* An unreserved character of RFC 3986 2.3. */
int rp_is_unreserved(int c);

#endif /* RP_POLICY_INT_H */
