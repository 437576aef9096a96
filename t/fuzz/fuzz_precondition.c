/* fuzz_precondition.c: which header values count as a usable precondition.
 *
 * The input is split at its first NUL byte: the part before is a value
 * tried as If-Match / If-None-Match / If (presence) and as
 * If-Unmodified-Since (a date); the byte after picks the accepted headers,
 * the present ones and mod_dav. Invariants: a blank value never counts;
 * a usable date is one apr_date_parse_http accepts, the parser httpd itself
 * uses; If never counts outside mod_dav; the JSON escaping of the value is
 * printable ASCII with no bare quote.
 */
#include "precondition_policy.h"
#include "fuzz_common.h"

#include "apr_date.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_begin();
    char *value = fuzz_cstr(data, size);
    size_t vlen = strlen(value);
    unsigned int accepted = 0, present = 0;
    int dav = 0, cond;
    const char *c, *esc;
    int blank = 1;

    if (vlen + 1 < size) {
        accepted = data[vlen + 1] & RP_HDR_ALL;
        present = (data[vlen + 1] >> 4) & RP_HDR_ALL;
        dav = vlen + 2 < size ? data[vlen + 2] & 1 : 0;
    }

    for (c = value; *c; c++) {
        if (*c != ' ' && *c != '\t') {
            blank = 0;
        }
    }
    FUZZ_ASSERT(rp_value_present(value) == !blank);
    FUZZ_ASSERT(!rp_value_present(NULL));

    FUZZ_ASSERT(rp_date_usable(value)
                == (apr_date_parse_http(value) != APR_DATE_BAD));
    if (rp_date_usable(value)) {
        FUZZ_ASSERT(!blank);
    }

    cond = rp_is_conditional(accepted, present, dav);
    FUZZ_ASSERT(cond == ((accepted & present
                          & (dav ? RP_HDR_ALL : ~RP_HDR_IF)) != 0));
    if (!dav) {
        FUZZ_ASSERT(!rp_is_conditional(RP_HDR_IF, present, 0));
    }

    esc = rp_json_escape(p, value);
    for (c = esc; *c; c++) {
        FUZZ_ASSERT((unsigned char)*c >= 0x20 && (unsigned char)*c < 0x7f);
        if (*c == '\\') {
            c++;
            FUZZ_ASSERT(*c == '\\' || *c == '"' || *c == 'u');
        }
        else {
            FUZZ_ASSERT(*c != '"');
        }
    }

    /* The lock key of a resource: any length, any bytes. */
    {
        static const unsigned char key[16] = "0123456789abcdef";
        FUZZ_ASSERT(rp_siphash(key, data, size)
                    == rp_siphash(key, data, size));
    }
    free(value);
    fuzz_end();
    return 0;
}
