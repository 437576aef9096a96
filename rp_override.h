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

/* rp_override.h: the method a request is judged as (rp_override.c). */

#ifndef RP_OVERRIDE_H
#define RP_OVERRIDE_H

#include "httpd.h"
#include "rp_module.h"

/* rp_judged_method for a POST, or a method httpd does not know, whose own
 * method is not guarded: the guarded method it names, or M_INVALID. */
int rp_override_judged(request_rec *r, const rp_dir_conf *conf, int *method);

/* The method the request is to be judged as, into *method: its own where
 * it is guarded; else a guarded one a POST names in a method-override
 * header, its query's _method or its form body's (read into the spool,
 * up to RequirePreconditionSpoolLimit, and decoded), or one that differs
 * from a guarded method only in case; M_POST for a form whose _method
 * could not be read (RP_NOTE_FORM_UNREAD); M_INVALID for none. OK, or the error status of a failed read of the
 * form body. The note RP_NOTE_OVERRIDE says where it was found. Inline:
 * for a read it is a bit test and the end (the GET's budget). */
static APR_INLINE int rp_judged_method(request_rec *r,
                                       const rp_dir_conf *conf, int *method)
{
    int m = r->method_number;

    if (RP_VALUE(conf, methods) & RP_BIT(m)) {
        *method = m;
        return OK;
    }
    if (m != M_POST && m != M_INVALID) {
        *method = M_INVALID;
        return OK;
    }
    return rp_override_judged(r, conf, method);
}

/* The filter that watches a form under ReportOnly. */
void rp_override_register_hooks(apr_pool_t *p);

#endif /* RP_OVERRIDE_H */
