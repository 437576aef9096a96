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

/* rp_syntax.c: what the parsers of header values share: tokens, optional
 * white space, %-escapes, APR only. See rp_policy_int.h.
 */
#include "rp_policy.h"
#include "rp_policy_int.h"

#include "apr_lib.h"

#include <string.h>

int rp_is_tchar(unsigned char c)
{
    /* RFC 9110 5.6.2 */
    return apr_isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

int rp_is_token(const char *s)
{
    if (!s || !*s) {
        return 0;
    }
    for (; *s; s++) {
        if (!rp_is_tchar((unsigned char)*s)) {
            return 0;
        }
    }
    return 1;
}

/* Skip optional white space. */
const char *rp_ows(const char *s)
{
    while (*s == ' ' || *s == '\t') {
        s++;
    }
    return s;
}

int rp_hexval(char c)
{
    return apr_isdigit(c) ? c - '0' : apr_tolower(c) - 'a' + 10;
}

/* One byte of a %-encoded path at *s, advancing *s; -1 at the end. */
int rp_path_byte(const char **s, const char *end)
{
    const char *c = *s;

    if (c >= end) {
        return -1;
    }
    if (c[0] == '%' && end - c >= 3 && apr_isxdigit(c[1])
        && apr_isxdigit(c[2])) {
        *s = c + 3;
        return rp_hexval(c[1]) * 16 + rp_hexval(c[2]);
    }
    *s = c + 1;
    return (unsigned char)*c;
}

int rp_is_unreserved(int c)
{
    return apr_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}
