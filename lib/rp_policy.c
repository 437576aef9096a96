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

/* rp_policy.c: what counts as a precondition where a write is judged
 * (rp_judge), the status a refusal gets and the reasons' names, APR only.
 * The header values are read by rp_preconditions.c. See rp_policy.h.
 */
#include "rp_policy.h"

#include "apr_strings.h"

unsigned int rp_counted_set(const rp_write_t *w)
{
    unsigned int set;

    if (w->destination) {
        /* What the request says about its source is no precondition on
         * what it overwrites: only Overwrite: F, and If tagged with it. */
        set = RP_HDR_OVERWRITE | (w->accepted & RP_HDR_IF);
    }
    else {
        set = w->accepted & RP_HDR_ALL;
        if ((set & RP_HDR_IF_MATCH) && w->accept_star) {
            set |= RP_HDR_STAR;
        }
    }
    if (w->collection || w->properties) {
        /* A collection's ETag and date do not change when a member does
         * (mod_dav_fs gives every collection the same ETag under FileETag
         * Digest), nor a resource's when PROPPATCH changes its properties:
         * only a lock, or "it must not exist", protects what changes. */
        set = (set & ~(RP_HDR_IF_MATCH | RP_HDR_STAR
                       | RP_HDR_IF_UNMODIFIED_SINCE)) | RP_HDR_COLLECTION;
    }
    return w->dav ? set : (set & ~RP_HDR_IF);
}

unsigned int rp_judge(const rp_write_t *w)
{
    unsigned int set = rp_counted_set(w);

    if ((set & RP_HDR_IF_MATCH)
        && rp_if_match_counts(w->if_match, (set & RP_HDR_STAR) != 0)) {
        return RP_HDR_IF_MATCH;
    }
    if ((set & RP_HDR_IF_NONE_MATCH)
        && rp_if_none_match_counts(w->if_none_match)) {
        return RP_HDR_IF_NONE_MATCH;
    }
    if ((set & RP_HDR_IF_UNMODIFIED_SINCE)
        && rp_unmodified_since_counts(w->if_unmodified_since,
                                      w->request_time)) {
        return RP_HDR_IF_UNMODIFIED_SINCE;
    }
    if ((set & RP_HDR_IF)
        && rp_if_header_counts(w->if_header, w->target,
                               (w->destination ? 0 : RP_IF_UNTAGGED_APPLY)
                               | (w->collection || w->properties
                                  ? RP_IF_TOKENS_ONLY : 0))
           == RP_IF_COUNTS) {
        return RP_HDR_IF;
    }
    if ((set & RP_HDR_OVERWRITE) && rp_overwrite_counts(w->overwrite)) {
        return RP_HDR_OVERWRITE;
    }
    return 0;
}

/* 400 when the request's If does not parse: mod_dav refuses it whole. */
static int rp_if_malformed(const rp_write_t *w, const char **why)
{
    if (w->if_header
        && rp_if_header_counts(w->if_header, w->target, 0) == RP_IF_BAD) {
        *why = "the If header does not parse";
        return 1;
    }
    return 0;
}

int rp_refusal_status(const rp_write_t *w, const char **why)
{
    *why = "no usable precondition";
    if (!w->dav) {
        return 428;
    }
    switch (w->op) {
    case RP_OP_UNKNOWN:
        *why = "mod_dav does not implement the method";
        return 405;
    case RP_OP_DELETE:
    case RP_OP_PROPPATCH:
    case RP_OP_COPY_MOVE:
        if (w->state == RP_RES_ABSENT || w->state == RP_RES_NO_PARENT) {
            *why = "the resource does not exist";
            return 404;
        }
        return rp_if_malformed(w, why) ? 400 : 428;
    case RP_OP_PUT:
        if (w->collection) {
            *why = "PUT onto a collection";
            return 409;
        }
        break;
    case RP_OP_MKCOL:
        if (w->state == RP_RES_EXISTS) {
            *why = "MKCOL over an existing resource";
            return 405;
        }
        break;
    default:
        return rp_if_malformed(w, why) ? 400 : 428;
    }
    if (rp_if_malformed(w, why)) {
        return 400;
    }
    if (w->state == RP_RES_NO_PARENT) {
        *why = "a folder on its path does not exist";
        return 409;
    }
    return 428;
}

const char *rp_reason_name(unsigned int reason)
{
    switch (reason) {
    case RP_HDR_IF_MATCH: return "If-Match";
    case RP_HDR_IF_NONE_MATCH: return "If-None-Match";
    case RP_HDR_IF_UNMODIFIED_SINCE: return "If-Unmodified-Since";
    case RP_HDR_IF: return "If";
    case RP_HDR_OVERWRITE: return "Overwrite";
    default: return "none";
    }
}
