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

/* conf_test.c: the per-directory configuration made from one list,
 * RP_DIR_FIELDS (rp_conf.h): the struct holds the list's fields and
 * nothing else; create sets every field unset, a section that sets any
 * one field is not empty (so that it is neither pruned nor merged past),
 * the merge gives what the innermost section sets, and an unset field's
 * value is its default. Needs httpd's headers (M_PUT...), not a server.
 * Built and run by `make unit` (t/unit/run.sh); the last line printed is
 * "N passed, M failed".
 */
#include "rp_conf.h"

#include <stddef.h>
#include <stdio.h>

static int passed, failed;

static void check(int ok, const char *what)
{
    if (ok) {
        passed++;
    }
    else {
        failed++;
        printf("FAIL: %s\n", what);
    }
}

/* The struct as the list alone makes it. */
struct rp_listed {
    RP_DIR_FIELDS(RP_X_MEMBER)
};

/* Where the list's fields end in rp_dir_conf, and how many bytes they
 * take. */
#define T_END(name, type, unset, dflt)                                      \
    if (offsetof(rp_dir_conf, name) + sizeof(type) > end) {                 \
        end = offsetof(rp_dir_conf, name) + sizeof(type);                   \
    }                                                                       \
    bytes += sizeof(type);
#define T_OFFSET(name, type, unset, dflt)                                   \
    check(offsetof(rp_dir_conf, name) == offsetof(struct rp_listed, name)   \
          && sizeof(((rp_dir_conf *)0)->name) == sizeof(type),              \
          #name ": rp_dir_conf has it where the list puts it");

/* A member of rp_dir_conf written by hand, not in the list, would be
 * neither created unset nor merged nor seen by "sets nothing": such a
 * section would be pruned and its setting lost. Before the list, it
 * moves the list's fields; after it, it makes the struct larger, since
 * the list ends where the struct does (no tail padding to hide in). */
static void test_layout(void)
{
    apr_size_t end = 0, bytes = 0;

    RP_DIR_FIELDS(T_END)
    RP_DIR_FIELDS(T_OFFSET)
    check(sizeof(rp_dir_conf) == sizeof(struct rp_listed),
          "rp_dir_conf is the list's fields and nothing else (a member "
          "written outside RP_DIR_FIELDS?)");
    check(end == sizeof(rp_dir_conf),
          "the list's last field ends the struct: order RP_DIR_FIELDS so "
          "that no tail padding could hide a member written outside it");
    check(bytes <= sizeof(rp_dir_conf), "the fields fit");
    printf("rp_dir_conf: %lu bytes, %lu of them the list's fields\n",
           (unsigned long)sizeof(rp_dir_conf), (unsigned long)bytes);
}

static void fresh(rp_dir_conf *c)
{
    rp_conf_unset(c);
}

/* Do a and b hold the same in every field of the list? */
#define T_SAME(name, type, unset, dflt) && a->name == b->name
static int same(const rp_dir_conf *a, const rp_dir_conf *b)
{
    return 1 RP_DIR_FIELDS(T_SAME);
}

#define T_UNSET(name, type, unset, dflt)                                    \
    check(c.name == (unset), #name ": unset after create");                 \
    check(RP_VALUE(&c, name) == (type)(dflt),                               \
          #name ": its value in force is its default when unset");

static void test_create(void)
{
    rp_dir_conf c;

    fresh(&c);
    RP_DIR_FIELDS(T_UNSET)
    check(rp_conf_is_empty(&c), "a created conf sets nothing");
}

/* One field at a time, set (to its default, then to another value):
 * whatever a directive sets must be told from unset, or an inner
 * "RequirePrecondition Off" could not override an outer On. */
#define T_ONE(name, type, unset, dflt)                                      \
    {                                                                       \
        rp_dir_conf none, a, b, m;                                          \
        type other = (type)((type)(dflt) + 1);                              \
                                                                            \
        check((type)(dflt) != (type)(unset) && other != (type)(unset),      \
              #name ": its default and another value differ from unset");   \
        fresh(&none);                                                       \
        fresh(&a);                                                          \
        fresh(&b);                                                          \
        a.name = (dflt);                                                    \
        b.name = other;                                                     \
        check(!rp_conf_is_empty(&a), #name ": a section setting it to its " \
              "default is not empty");                                      \
        check(!rp_conf_is_empty(&b), #name ": a section setting it is "     \
              "not empty");                                                 \
        check(RP_VALUE(&b, name) == other, #name ": its value in force is " \
              "the one set");                                               \
        fresh(&m);                                                          \
        rp_conf_merge(&m, &none, &a);                                       \
        check(same(&m, &a), #name ": set inside, inherited "  \
              "nothing: merges to itself");                                 \
        rp_conf_merge(&m, &a, &none);                                       \
        check(same(&m, &a), #name ": set outside, nothing "   \
              "inside: inherited");                                         \
        rp_conf_merge(&m, &b, &a);                                          \
        check(same(&m, &a), #name ": set on both sides: the " \
              "inner one wins");                                            \
        rp_conf_merge(&m, &a, &b);                                          \
        check(same(&m, &b), #name ": set on both sides: the " \
              "inner one wins (2)");                                        \
    }

static void test_each_field(void)
{
    RP_DIR_FIELDS(T_ONE)
}

/* The defaults as docs/directives.md states them. */
static void test_defaults(void)
{
    rp_dir_conf c;

    fresh(&c);
    check(RP_VALUE(&c, mode) == RP_MODE_OFF, "RequirePrecondition Off");
    check(RP_VALUE(&c, methods) == (RP_BIT(M_PUT) | RP_BIT(M_PATCH)
                                    | RP_BIT(M_DELETE)),
          "RequirePreconditionMethods PUT PATCH DELETE");
    check(RP_VALUE(&c, headers) == (RP_HDR_IF_MATCH | RP_HDR_IF_NONE_MATCH
                                    | RP_HDR_IF_UNMODIFIED_SINCE
                                    | RP_HDR_IF),
          "RequirePreconditionHeaders If-Match If-None-Match "
          "If-Unmodified-Since If");
    check(RP_VALUE(&c, accept_star) == 0,
          "RequirePreconditionAcceptIfMatchStar Off");
    check(RP_VALUE(&c, serialize) == 0, "RequirePreconditionSerialize Off");
    check(RP_VALUE(&c, serialize_timeout) == APR_INT64_C(10000000),
          "RequirePreconditionSerializeTimeout 10");
    check(RP_VALUE(&c, spool_limit) == 16777216,
          "RequirePreconditionSpoolLimit 16777216");
    check(RP_VALUE(&c, evaluate) == RP_EVAL_OFF,
          "RequirePreconditionEvaluate Off");
    check(RP_VALUE(&c, digest_limit) == 1048576,
          "RequirePreconditionDigestLimit 1048576");
}

int main(void)
{
    test_layout();
    test_create();
    test_each_field();
    test_defaults();
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
