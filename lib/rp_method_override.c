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

/* rp_method_override.c: the method a POST names: an override header's
 * value, a list of them, a form's _method parameters, the form's type,
 * APR only. See rp_policy.h.
 */
#include "rp_policy.h"
#include "rp_policy_int.h"

#include "apr_lib.h"
#include "apr_strings.h"

int rp_override_method(const char *value, char *buf, apr_size_t bufsize)
{
    apr_size_t i = 0;

    if (!value || !bufsize) {
        return 0;
    }
    while (*value == ' ' || *value == '\t') {
        value++;
    }
    for (; value[i] && value[i] != ' ' && value[i] != '\t'; i++) {
        if (i + 1 >= bufsize || !rp_is_tchar((unsigned char)value[i])) {
            return 0;
        }
        buf[i] = apr_toupper(value[i]);
    }
    buf[i] = '\0';
    return i > 0 && rp_value_present(value + i) == 0;
}

int rp_override_next(const char **list, char *buf, apr_size_t bufsize)
{
    while (*list && **list) {
        const char *s = *list;
        const char *end = s + strcspn(s, ",");
        char value[RP_METHOD_MAX];
        apr_size_t n = (apr_size_t)(end - s);

        *list = *end ? end + 1 : end;
        if (n < sizeof(value)) {
            memcpy(value, s, n);
            value[n] = '\0';
            if (rp_override_method(value, buf, bufsize)) {
                return 1;
            }
        }
    }
    return 0;
}

/* Decode the form-encoded bytes [s, end) into buf as the frameworks do
 * (%XX, and "+" for a space); 0 when they do not fit or hold a NUL. */
static int rp_form_decode(const char *s, const char *end, char *buf,
                          apr_size_t bufsize)
{
    apr_size_t n = 0;

    while (s < end) {
        int c = rp_path_byte(&s, end);

        if (c == '+' && s[-1] == '+') {
            c = ' ';
        }
        if (c == 0 || n + 1 >= bufsize) {
            return 0;
        }
        buf[n++] = (char)c;
    }
    buf[n] = '\0';
    return 1;
}

/* Is the form-encoded key [s, end) "_method" as some framework reads it?
 * All %-decode it ("+" is a space). PHP drops the blanks it starts with,
 * ends it at a NUL and reads "." and " " as "_"; Rack drops the blanks
 * after "&". Any of these readings counts. */
static int rp_is_method_key(const char *s, const char *end)
{
    static const char want[] = "_method";
    apr_size_t n = 0;
    int lead = 1;

    while (s < end) {
        int c = rp_path_byte(&s, end);

        if (c == '+' && s[-1] == '+') {
            c = ' ';
        }
        if (c == 0) {
            break;
        }
        if (lead && c == ' ') {
            continue;
        }
        lead = 0;
        if (c == '.' || c == ' ') {
            c = '_';
        }
        if (n + 1 >= sizeof(want) || c != want[n]) {
            return 0;
        }
        n++;
    }
    return n + 1 == sizeof(want);
}

int rp_param_next(const char **s, const char *end, char *buf,
                  apr_size_t bufsize)
{
    while (*s && *s < end) {
        const char *p = *s;
        const char *stop = p, *eq;
        char value[RP_METHOD_MAX];

        while (stop < end && *stop != '&' && *stop != ';') {
            stop++;
        }
        *s = stop < end ? stop + 1 : stop;
        eq = memchr(p, '=', (apr_size_t)(stop - p));
        if (eq && rp_is_method_key(p, eq)
            && rp_form_decode(eq + 1, stop, value, sizeof(value))
            && rp_override_method(value, buf, bufsize)) {
            return 1;
        }
    }
    return 0;
}

int rp_is_form_type(const char *type)
{
    static const char form[] = "application/x-www-form-urlencoded";

    if (!type) {
        return 0;
    }
    type = rp_ows(type);
    /* PHP ends the type at ";", "," or a blank, Rack at ";" or ",": two
     * Content-Type lines, which httpd joins with ", ", start with it. */
    return !strncasecmp(type, form, sizeof(form) - 1)
        && (!type[sizeof(form) - 1] || type[sizeof(form) - 1] == ';'
            || type[sizeof(form) - 1] == ',' || type[sizeof(form) - 1] == ' '
            || type[sizeof(form) - 1] == '\t');
}
