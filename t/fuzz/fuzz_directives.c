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

/* fuzz_directives.c: the parsing of every directive argument.
 *
 * The first byte picks the parser, the rest is the argument. Invariants:
 * an argument is accepted or refused with a message that names the
 * directive and quotes the value; what is accepted is in range. The byte
 * counts are read back: what rp_parse_bytes accepts is all digits, and
 * their value.
 */
#include "rp_policy.h"
#include "fuzz_common.h"

#include "apr_lib.h"
#include "apr_strings.h"

static void names(const char *err, const char *directive, const char *arg)
{
    FUZZ_ASSERT(strstr(err, directive) != NULL);
    FUZZ_ASSERT(strstr(err, arg) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    char *arg;
    const char *err;
    int which;

    if (size < 1) {
        return 0;
    }
    which = data[0] % 7;
    p = fuzz_begin();
    arg = fuzz_cstr(data + 1, size - 1);

    switch (which) {
    case 0: {
        int mode = -100;
        err = rp_parse_mode(p, arg, &mode);
        if (err) {
            FUZZ_ASSERT(mode == -100);
            names(err, "RequirePrecondition", arg);
        }
        else {
            FUZZ_ASSERT(mode == RP_MODE_ON || mode == RP_MODE_OFF
                        || mode == RP_MODE_REPORT_ONLY);
        }
        break;
    }
    case 1: {
        unsigned int bit = 0;
        err = rp_parse_header_name(p, arg, &bit);
        if (err) {
            FUZZ_ASSERT(bit == 0);
            names(err, "RequirePreconditionHeaders", arg);
        }
        else {
            FUZZ_ASSERT(bit && (bit & RP_HDR_ALL) == bit
                        && (bit & (bit - 1)) == 0);
        }
        break;
    }
    case 2: {
        apr_interval_time_t usec = -1;
        err = rp_parse_timeout(p, arg, &usec);
        if (err) {
            FUZZ_ASSERT(usec == -1);
            names(err, "RequirePreconditionSerializeTimeout", arg);
        }
        else {
            const char *c;
            FUZZ_ASSERT(usec > 0 && usec <= APR_INT64_C(3600000000));
            for (c = arg; *c; c++) {
                FUZZ_ASSERT(apr_isdigit(*c) || *c == '.');
            }
        }
        break;
    }
    case 3: {
        /* RequirePreconditionMethods: each word must be a token. */
        int tok = rp_is_token(arg);
        FUZZ_ASSERT(tok == 0 || tok == 1);
        if (tok) {
            const char *c;
            FUZZ_ASSERT(*arg);
            for (c = arg; *c; c++) {
                FUZZ_ASSERT(!apr_isspace(*c) && !apr_iscntrl(*c)
                            && (unsigned char)*c < 0x80
                            && !strchr("\"(),/:;<=>?@[\\]{}", *c));
            }
        }
        break;
    }
    case 5: {
        /* The parser RequirePreconditionSpoolLimit and DigestLimit share,
         * with a range the input's size picks (up to the largest it
         * takes), then those two directives. */
        static const apr_off_t maxes[] = {
            0, 1, 9, 10, 999, RP_DIGEST_LIMIT_MAX, RP_SPOOL_LIMIT_MAX,
            APR_INT64_MAX / 10, APR_INT64_MAX - 9
        };
        apr_off_t max = maxes[size % (sizeof(maxes) / sizeof(maxes[0]))];
        apr_off_t min = (size / 16) % 2 ? max / 2 : 0;
        apr_off_t v = -1, again = -1;
        const char *e2;

        err = rp_parse_bytes(p, "Fuzz", arg, min, min ? NULL : "zero", max,
                             &v);
        if (err) {
            FUZZ_ASSERT(v == -1);
            names(err, "Fuzz", arg);
        }
        else {
            const char *c;
            FUZZ_ASSERT(v >= min && v <= max && *arg);
            for (c = arg; *c; c++) {
                FUZZ_ASSERT(*c >= '0' && *c <= '9');
            }
            FUZZ_ASSERT(apr_strtoi64(arg, NULL, 10) == v);
        }
        v = -1;
        err = rp_parse_spool_limit(p, arg, &v);
        if (err) {
            FUZZ_ASSERT(v == -1);
            names(err, "RequirePreconditionSpoolLimit", arg);
        }
        else {
            FUZZ_ASSERT(v >= 0 && v <= RP_SPOOL_LIMIT_MAX);
        }
        e2 = rp_parse_digest_limit(p, arg, &again);
        if (e2) {
            FUZZ_ASSERT(again == -1);
            names(e2, "RequirePreconditionDigestLimit", arg);
        }
        else {
            /* The same number, in the smaller range. */
            FUZZ_ASSERT(again >= 1 && again <= RP_DIGEST_LIMIT_MAX);
            FUZZ_ASSERT(!err && v == again);
        }
        break;
    }
    case 6: {
        int mode = -100;
        err = rp_parse_evaluate(p, arg, &mode);
        if (err) {
            FUZZ_ASSERT(mode == -100);
            names(err, "RequirePreconditionEvaluate", arg);
        }
        else {
            FUZZ_ASSERT(mode == RP_EVAL_OFF || mode == RP_EVAL_BACKEND
                        || mode == RP_EVAL_DIGEST);
        }
        break;
    }
    default: {
        /* A method-override header value, into a buffer of a size the
         * input chooses, allocated exactly so that an overrun shows. */
        size_t bufsize = size > 1 ? data[1] % 40 : 0;
        char *buf = bufsize ? malloc(bufsize) : NULL;
        const char *value = arg + (*arg ? 1 : 0);
        int ok = rp_override_method(value, buf, bufsize);
        if (ok) {
            FUZZ_ASSERT(buf && strlen(buf) < bufsize);
            FUZZ_ASSERT(rp_is_token(buf));
            FUZZ_ASSERT(!apr_islower(buf[0]));
        }
        free(buf);
        /* The same bytes as an override list, and as form-encoded data
         * that is not NUL-terminated (an exact copy: an overread shows). */
        {
            char name[RP_METHOD_MAX];
            const char *list = value;
            char *raw = size > 1 ? malloc(size - 1) : NULL;
            const char *s = raw;

            while (rp_override_next(&list, name, sizeof(name))) {
                FUZZ_ASSERT(rp_is_token(name) && !apr_islower(name[0]));
            }
            FUZZ_ASSERT(!*list);
            if (raw) {
                memcpy(raw, data + 1, size - 1);
                while (rp_param_next(&s, raw + size - 1, name,
                                     sizeof(name))) {
                    FUZZ_ASSERT(rp_is_token(name) && !apr_islower(name[0]));
                    FUZZ_ASSERT(s <= raw + size - 1);
                }
                FUZZ_ASSERT(s == raw + size - 1);
            }
            free(raw);
        }
        break;
    }
    }
    free(arg);
    fuzz_end();
    return 0;
}
