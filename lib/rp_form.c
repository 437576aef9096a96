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

/* rp_form.c: a form body's _method parameters, read in pieces (the
 * spool hands a large body over 64 KiB at a time, from memory or a file)
 * and after its content coding. See rp_form.h. */

#include <string.h>

#include "apr_cstr.h"
#include "apr_strings.h"

/* next_in is const: no cast away of the body's const. */
#define ZLIB_CONST
#include <zlib.h>

#include "rp_form.h"
#include "rp_policy.h"

/* The longest parameter that can still decode to _method=<a method>:
 * every decoded byte is at most three sent ones (%XX). A longer one is
 * skipped to its end. */
#define RP_FORM_PARAM_MAX (3 * (sizeof("_method") + RP_METHOD_MAX))
/* Inflated bytes per call of zlib. */
#define RP_FORM_INFLATE_OUT 16384

struct rp_form_scan {
    rp_form_found_fn *found;
    void *ctx;
    char param[RP_FORM_PARAM_MAX];
    apr_size_t len;             /* bytes of the parameter in param */
    int skip;                   /* the parameter is too long to matter */
    int in_value;               /* its "=" is in param */
    int key_cut;                /* a NUL ended its key (PHP): the rest of
                                 * the key is not kept */
    int failed;                 /* the coded body is unreadable */
    z_stream *z;                /* NULL: the body is not coded */
    int z_ended;                /* the coded stream's end was seen */
    apr_off_t max_decoded;
    char *out;                  /* RP_FORM_INFLATE_OUT bytes */
};

static apr_status_t rp_form_inflate_end(void *data)
{
    inflateEnd(data);
    return APR_SUCCESS;
}

/* zlib's window bits for the coding: gzip's header, zlib's, or 0 for a
 * coding that is not read. */
static int rp_form_window(const char *coding)
{
    if (!apr_cstr_casecmp(coding, "gzip")
        || !apr_cstr_casecmp(coding, "x-gzip")) {
        return 15 + 16;
    }
    return !apr_cstr_casecmp(coding, "deflate") ? 15 : 0;
}

rp_form_scan *rp_form_scan_create(apr_pool_t *p, const char *coding,
                                  apr_off_t max_decoded,
                                  rp_form_found_fn *found, void *ctx)
{
    rp_form_scan *s;
    char *name = NULL;
    int window = 0;

    if (coding) {
        /* One coding, as a token with blanks around it. */
        name = apr_pstrdup(p, coding);
        apr_collapse_spaces(name, name);
        if (*name && apr_cstr_casecmp(name, "identity") != 0
            && !(window = rp_form_window(name))) {
            return NULL;
        }
    }
    s = apr_pcalloc(p, sizeof(*s));
    s->found = found;
    s->ctx = ctx;
    s->max_decoded = max_decoded;
    if (window) {
        s->z = apr_pcalloc(p, sizeof(*s->z));
        if (inflateInit2(s->z, window) != Z_OK) {
            return NULL;
        }
        apr_pool_cleanup_register(p, s->z, rp_form_inflate_end,
                                  apr_pool_cleanup_null);
        s->out = apr_palloc(p, RP_FORM_INFLATE_OUT);
    }
    return s;
}

/* The parameter in s->param is complete: tell what it names. */
static void rp_form_param_end(rp_form_scan *s)
{
    if (!s->skip) {
        const char *p = s->param;
        char method[RP_METHOD_MAX];

        while (rp_param_next(&p, s->param + s->len, method, sizeof(method))) {
            s->found(s->ctx, method);
        }
    }
    s->len = 0;
    s->skip = 0;
    s->in_value = 0;
    s->key_cut = 0;
}

/* Keep the next byte of a parameter's key in s->param, as short as
 * rp_param_next will read it: the blanks it starts with (PHP, Rack drop
 * them) and what follows a NUL in it (PHP ends the key there) are not
 * kept, so that no run of them can push "_method" out of the buffer. */
static void rp_form_key_byte(rp_form_scan *s, char c)
{
    const char *p;

    if (c == '=') {
        s->in_value = 1;
    }
    else if (s->key_cut) {
        return;
    }
    else if (c == '\0') {
        s->key_cut = 1;
        return;
    }
    if (s->len == sizeof(s->param)) {
        s->skip = 1;
        return;
    }
    s->param[s->len++] = c;
    p = s->param + s->len;
    if (s->in_value) {
        return;
    }
    if ((s->len == 1 && (c == '+' || c == ' '))
        || (s->len == 3 && !memcmp(s->param, "%20", 3))) {
        s->len = 0;
    }
    else if (s->len >= 3 && !memcmp(p - 3, "%00", 3)) {
        s->len -= 3;
        s->key_cut = 1;
    }
}

/* Decoded bytes: split into parameters at '&' and ';'. */
static void rp_form_plain(rp_form_scan *s, const char *data, apr_size_t len)
{
    apr_size_t i;

    for (i = 0; i < len; i++) {
        char c = data[i];

        if (c == '&' || c == ';') {
            rp_form_param_end(s);
        }
        else if (s->skip) {
            continue;
        }
        else if (!s->in_value) {
            rp_form_key_byte(s, c);
        }
        else if (s->len < sizeof(s->param)) {
            s->param[s->len++] = c;
        }
        else {
            s->skip = 1;        /* a value too long to name a method */
        }
    }
}

/* Inflate the next piece of a coded body and read what it gives. */
static int rp_form_inflate(rp_form_scan *s, const char *data, apr_size_t len)
{
    if (s->z_ended) {
        return len ? -1 : 0;    /* bytes after the end of the stream */
    }
    s->z->next_in = (const Bytef *)data;
    s->z->avail_in = (uInt)len;
    do {
        int zr;

        s->z->next_out = (Bytef *)s->out;
        s->z->avail_out = RP_FORM_INFLATE_OUT;
        zr = inflate(s->z, Z_NO_FLUSH);
        if (zr == Z_BUF_ERROR) {
            break;              /* nothing more without more input */
        }
        if ((zr != Z_OK && zr != Z_STREAM_END)
            || (apr_off_t)s->z->total_out > s->max_decoded) {
            return -1;
        }
        rp_form_plain(s, s->out, RP_FORM_INFLATE_OUT - s->z->avail_out);
        if (zr == Z_STREAM_END) {
            s->z_ended = 1;
            return s->z->avail_in ? -1 : 0;
        }
    } while (s->z->avail_in > 0 || s->z->avail_out == 0);
    return 0;
}

int rp_form_scan_feed(rp_form_scan *s, const char *data, apr_size_t len)
{
    if (s->failed) {
        return -1;
    }
    if (!s->z) {
        rp_form_plain(s, data, len);
        return 0;
    }
    /* zlib takes a uInt at a time. */
    while (len > 0) {
        apr_size_t n = len > 65536 ? 65536 : len;

        if (rp_form_inflate(s, data, n) != 0) {
            s->failed = 1;
            return -1;
        }
        data += n;
        len -= n;
    }
    return 0;
}

int rp_form_scan_end(rp_form_scan *s)
{
    if (s->failed || (s->z && !s->z_ended)) {
        s->failed = 1;
        return -1;
    }
    rp_form_param_end(s);
    return 0;
}
