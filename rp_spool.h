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

/* rp_spool.h: the body of a serialized write, read before its locks.
 *
 * A serialized write used to take its locks in fixups and keep them while
 * the client uploaded, so a slow client held the resource for as long as
 * its network took. The spool reads the whole body first (small ones into
 * memory, larger ones into an unlinked temporary file), then the locks are
 * taken, then the handler reads the body back from the spool through an
 * input filter that stands in front of HTTP_IN: the lock covers the check
 * and the write, not the upload.
 */
#ifndef RP_SPOOL_H
#define RP_SPOOL_H

#include "httpd.h"
#include "http_config.h"

/* Bodies up to this size stay in memory; larger ones go to a file. */
#define RP_SPOOL_MEMORY ((apr_off_t)64 * 1024)

/* RequirePreconditionSpoolDir path (server config only): the server-wide
 * record's spool_dir. */
const char *rp_spool_set_dir(cmd_parms *cmd, void *dconf, const char *arg);

/* At start-up (and apache2 -t), when serialization is used: refuse a spool
 * folder the children (User, Group) cannot create files in; without the
 * directive, the system's temporary folder becomes the record's. */
int rp_spool_check_config(apr_pool_t *pconf, server_rec *s);

/* Register the input filter that hands the spooled body to the handler. */
void rp_spool_register_hooks(apr_pool_t *p);

/* Put the protocol filter f first in r's protocol chain, in front of
 * HTTP_IN (ap_add_input_filter places it after filters of its own type):
 * it then sees the body as HTTP_IN gives it, and outlives internal
 * redirects, which keep the chain. */
void rp_spool_put_first(request_rec *r, ap_filter_t *f);

/* A request body read by the module and handed to the handler. */
typedef struct rp_spool_t rp_spool_t;

/* The spool r's protocol chain carries: this request's, or that of a
 * request it was redirected from (an internal redirect keeps the chain),
 * or NULL. */
rp_spool_t *rp_spool_find(const request_rec *r);

/* Read r's body into a new spool (at most `limit` bytes of a chunked
 * one: the rest then streams from the client), which the handler, and any
 * request r is redirected to, then reads byte for byte as HTTP_IN would
 * have given it. OK with *out; DECLINED when there is nothing to read or
 * more than `limit` bytes are announced; or the status to answer with
 * (413, 400, 408, 500, 507). */
int rp_spool_body(request_rec *r, apr_off_t limit, rp_spool_t **out);

/* For a write about to be serialized: when it has a body of at most
 * `limit` bytes (0: never), judge its precondition once without the lock
 * (a 412 before any byte of the body is read, no 100 Continue), then read
 * the body into the spool (rp_spool_body). Returns DECLINED when nothing
 * was spooled (no body, over the limit, spooling off: lock before the
 * upload, as without the spool), OK when the body is in a spool (read now,
 * or before: for a form's _method, or by a request this one was redirected
 * from; *rest is 1 when a chunked body passed the limit: what was read is
 * replayed, the rest streams from the client), or the status to answer
 * with (412, 413, 400, 408, 500, 507), with no lock taken. */
int rp_spool_request(request_rec *r, apr_off_t limit, int *rest);

/* Did the spool read the body to its end? */
int rp_spool_complete(const rp_spool_t *s);

/* Hand fn the spooled bytes from the first, in pieces, until it returns
 * non-zero; before the handler reads them. */
typedef int rp_spool_each_fn(void *ctx, const char *data, apr_size_t len);
apr_status_t rp_spool_each(rp_spool_t *s, rp_spool_each_fn *fn, void *ctx);

/* What a reader of the body keeps with the spool, for the requests
 * redirected from this one (rp_override.c: what its form names). */
void *rp_spool_data(const rp_spool_t *s);
void rp_spool_set_data(rp_spool_t *s, void *data);

#endif /* RP_SPOOL_H */
