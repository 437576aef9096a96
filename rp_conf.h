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

/* rp_conf.h: a section's configuration, made from one list of its fields.
 *
 * RP_DIR_FIELDS is the one place where a per-directory field is named,
 * with its C type, the value that says "this section does not set it",
 * and its default. Everything else is made from it: the struct, create
 * (every field unset), merge (the innermost section that sets a field
 * wins: mod_reqtimeout's MERGE_INT), "this section sets nothing" (the
 * merge's fast paths and the pruning of empty sections), and the value in
 * force, RP_VALUE(conf, field): the default where no section set it.
 * Nothing else compares a field with its unset value.
 *
 * What else a new directive touches: docs/architecture.md, "Where a
 * directive lives". t/unit/conf_test.c fails when a member of rp_dir_conf
 * is written outside the list, or when a field's unset value could be
 * taken for a value a directive sets.
 */
#ifndef RP_CONF_H
#define RP_CONF_H

#include "httpd.h"              /* M_PUT, M_PATCH, M_DELETE */
#include "apr_time.h"

#include "rp_policy.h"          /* RP_MODE_*, RP_HDR_*, RP_EVAL_* */

/* The unset value of the fields that have no other. */
#define RP_UNSET (-1)

/* A method's bit in a set of methods. Shifted unsigned: M_INVALID is
 * bit 63. */
#define RP_BIT(m) ((apr_int64_t)((apr_uint64_t)1 << (m)))

/* X(name, C type, unset, default), in the struct's order. */
#define RP_DIR_FIELDS(X)                                                    \
    /* RequirePrecondition */                                               \
    X(mode, int, RP_MODE_UNSET, RP_MODE_OFF)                                \
    /* RequirePreconditionSerialize: 0, 1 */                                \
    X(serialize, int, RP_UNSET, 0)                                          \
    /* RequirePreconditionSerializeTimeout: microseconds */                 \
    X(serialize_timeout, apr_interval_time_t, RP_UNSET,                     \
      apr_time_from_sec(10))                                                \
    /* RequirePreconditionMethods: RP_BIT()s */                             \
    X(methods, apr_int64_t, 0,                                              \
      RP_BIT(M_PUT) | RP_BIT(M_PATCH) | RP_BIT(M_DELETE))                   \
    /* RequirePreconditionHeaders: RP_HDR_* bits */                         \
    X(headers, unsigned int, 0, RP_HDR_ALL)                                 \
    /* RequirePreconditionAcceptIfMatchStar: 0, 1 */                        \
    X(accept_star, int, RP_UNSET, 0)                                        \
    /* RequirePreconditionSpoolLimit: bytes, 0 no spool */                  \
    X(spool_limit, apr_off_t, RP_UNSET, (apr_off_t)16 * 1024 * 1024)        \
    /* RequirePreconditionEvaluate: RP_EVAL_* */                            \
    X(evaluate, int, RP_UNSET, RP_EVAL_OFF)                                 \
    /* RequirePreconditionDigestLimit: bytes */                             \
    X(digest_limit, apr_off_t, RP_UNSET, (apr_off_t)1024 * 1024)

#define RP_X_MEMBER(name, type, unset, dflt) type name;
typedef struct {
    RP_DIR_FIELDS(RP_X_MEMBER)
} rp_dir_conf;

/* rp_value_<field>(v): the value in force when a section's field holds
 * v. Inline: on the request path it is a comparison, no call. */
#define RP_X_VALUE(name, type, unset, dflt)                                 \
    static APR_INLINE type rp_value_##name(type v)                          \
    {                                                                       \
        return v == (unset) ? (dflt) : v;                                   \
    }
RP_DIR_FIELDS(RP_X_VALUE)

/* The value of `field` in force under conf. */
#define RP_VALUE(conf, field) rp_value_##field((conf)->field)

/* Every field unset: what create gives. */
#define RP_X_UNSET(name, type, unset, dflt) c->name = (unset);
static APR_INLINE void rp_conf_unset(rp_dir_conf *c)
{
    RP_DIR_FIELDS(RP_X_UNSET)
}

/* Does the section set nothing of this module? */
#define RP_X_EMPTY(name, type, unset, dflt) && c->name == (unset)
static APR_INLINE int rp_conf_is_empty(const rp_dir_conf *c)
{
    return 1 RP_DIR_FIELDS(RP_X_EMPTY);
}

/* conf: what add sets, and what base sets where add does not. */
#define RP_X_MERGE(name, type, unset, dflt) \
    conf->name = add->name == (unset) ? base->name : add->name;
static APR_INLINE void rp_conf_merge(rp_dir_conf *conf,
                                     const rp_dir_conf *base,
                                     const rp_dir_conf *add)
{
    RP_DIR_FIELDS(RP_X_MERGE)
}

#endif /* RP_CONF_H */
