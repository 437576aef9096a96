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

/* rp_module.h: what the module's httpd files share and nothing else
 * needs: the module record, the log message tags, the notes of their own,
 * the server-wide record (rp_srv_conf_t) and the questions every layer
 * asks of a request. The section's configuration is rp_conf.h. */

#ifndef RP_MODULE_H
#define RP_MODULE_H

#include "httpd.h"
#include "http_config.h"

#include <string.h>

#include "mod_require_precondition.h"   /* the version, the public notes */
#include "rp_conf.h"                    /* rp_dir_conf, RP_VALUE, RP_BIT */

/* The module record (mod_require_precondition.c). */
extern module AP_MODULE_DECLARE_DATA require_precondition_module;

/* A unique tag at the start of every log message, as httpd's APLOGNO:
 *     ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, RPLOGNO(00001) "...");
 * gives "RP00001: ...". Write a new message with an empty RPLOGNO() and
 * run tools/lognos.sh --fill, which gives it the next free number;
 * tools/lognos.sh --check (make lint) fails on a duplicate number and on
 * a log call without a tag. */
#define RPLOGNO(n) "RP" #n ": "

/* The module's own notes (r->notes); the public ones are in
 * mod_require_precondition.h. */
#define RP_NOTE_JSON      "require-precondition-json"
#define RP_NOTE_DEFERRED  "require-precondition-serialize-deferred"
/* Where a method override was found, for the log lines. */
#define RP_NOTE_OVERRIDE  "require-precondition-override"
/* The guarded member of a removed collection, or the real file a link
 * leads to, for the log lines. */
#define RP_NOTE_MEMBER    "require-precondition-member"
/* A form POST judged as a write because its _method could not be read
 * (rp_override.c): under ReportOnly it is only reported. */
#define RP_NOTE_FORM_UNREAD "require-precondition-form-unread"

/* Bodies up to this size are read and discarded after a 428 so that the
 * connection can be kept alive; larger or chunked ones close it instead. */
#define RP_DRAIN_MAX  ((apr_off_t)65536)

/* Is mod_dav serving r? Its fixup names its handler. */
static APR_INLINE int rp_is_dav(const request_rec *r)
{
    return r->handler && !strcmp(r->handler, "dav-handler");
}

/* Does r say it has a body (Transfer-Encoding, or a Content-Length that
 * is not 0)? */
int rp_has_body(const request_rec *r);

/* The key under which the process pool keeps `what` across a graceful
 * restart (the lock file, the counters' memory), naming this version and
 * the layout's size: a module of another release, loaded by the restart,
 * never reads it as its own, and builds its own instead. */
const char *rp_state_key(apr_pool_t *p, const char *what, apr_size_t layout);

#endif /* RP_MODULE_H */
