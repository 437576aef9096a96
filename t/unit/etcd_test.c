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

/* The lock server's client (rp_etcd.c) without httpd: the URL and lease
 * checks as tables, then two clients (two gateways: two leases) against a
 * real etcd member this test starts on loopback (Debian's etcd-server;
 * skipped with a reason when it is not installed): exclusion, a waiter
 * that gives up and leaves nothing behind, one order for several names,
 * and fail-closed when etcd is gone. */

#include "apr_general.h"
#include "apr_strings.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <curl/curl.h>

#include "rp_etcd.h"
#include "rp_policy.h"

static int failures;

#define CHECK(cond, ...)                                                    \
    do {                                                                    \
        if (!(cond)) {                                                      \
            failures++;                                                     \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                     \
            printf(__VA_ARGS__);                                            \
            printf("\n");                                                   \
        }                                                                   \
    } while (0)

static void test_urls(apr_pool_t *p)
{
    static const struct {
        const char *url;
        int ok;
    } rows[] = {
        { "http://127.0.0.1:2379", 1 },
        { "https://etcd1.example:2379", 1 },
        { "http://[::1]:2379", 1 },
        { "http://127.0.0.1:2379/", 1 },
        { "http://127.0.0.1", 0 },          /* no port */
        { "ftp://127.0.0.1:2379", 0 },
        { "127.0.0.1:2379", 0 },
        { "http://127.0.0.1:2379/v3", 0 },
        { "http://u:p@127.0.0.1:2379", 0 },
        { "http://127.0.0.1:2379?x", 0 },
        { "", 0 },
    };
    size_t i;

    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const char *why = rp_etcd_check_url(p, rows[i].url);

        CHECK((why == NULL) == rows[i].ok, "url '%s': %s", rows[i].url,
              why ? why : "accepted");
    }
}

static void test_leases(apr_pool_t *p)
{
    static const struct {
        const char *arg;
        int secs;                   /* -1: refused */
    } rows[] = {
        { "2", 2 }, { "10", 10 }, { "3600", 3600 },
        { "1", -1 }, { "0", -1 }, { "3601", -1 }, { "99999999999", -1 },
        { "", -1 }, { "5s", -1 }, { "-5", -1 }, { " 5", -1 }, { "abc", -1 },
    };
    size_t i;

    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        int secs = -1;
        const char *why = rp_parse_lease(p, rows[i].arg, RP_ETCD_LEASE_MIN,
                                         RP_ETCD_LEASE_MAX, &secs);

        CHECK(rows[i].secs < 0 ? why != NULL : (!why && secs == rows[i].secs),
              "lease '%s': %s", rows[i].arg, why ? why : "accepted");
        CHECK(!why || (strstr(why, "RequirePreconditionLockLease")
                       && strstr(why, rows[i].arg)), "lease '%s': message '%s' names "
              "neither the directive nor the value", rows[i].arg, why);
    }
}

/* ---- against a real member ----------------------------------------------- */

static int free_port(void)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0), port;

    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0
        || getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        perror("free_port");
        exit(2);
    }
    port = ntohs(a.sin_port);
    close(fd);
    return port;
}

/* The member's data folder, as apr_dir_remove cannot (it is not empty). */
static void rm_tree(apr_pool_t *p, const char *dir)
{
    pid_t pid = fork();

    if (pid == 0) {
        execl("/bin/rm", "rm", "-rf", dir, (char *)NULL);
        _exit(127);
    }
    (void)p;
    if (pid > 0) {
        (void)waitpid(pid, NULL, 0);
    }
}

static pid_t start_etcd(apr_pool_t *p, const char *dir, int client, int peer)
{
    const char *c = apr_psprintf(p, "http://127.0.0.1:%d", client);
    const char *pu = apr_psprintf(p, "http://127.0.0.1:%d", peer);
    pid_t pid = fork();

    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);

        dup2(null, 1);
        dup2(null, 2);
        execl("/usr/bin/etcd", "etcd", "--name", "u", "--data-dir", dir,
              "--listen-client-urls", c, "--advertise-client-urls", c,
              "--listen-peer-urls", pu, "--initial-advertise-peer-urls", pu,
              "--initial-cluster", apr_pstrcat(p, "u=", pu, NULL),
              (char *)NULL);
        _exit(127);
    }
    return pid;
}

static rp_etcd_t *client(apr_pool_t *p, const char *url)
{
    rp_etcd_conf_t conf;
    rp_etcd_t *e;

    memset(&conf, 0, sizeof(conf));
    conf.members = apr_array_make(p, 1, sizeof(const char *));
    APR_ARRAY_PUSH(conf.members, const char *) = url;
    conf.prefix = "/rp-unit";
    conf.lease = 5;
    if (rp_etcd_create(p, &conf, &e) != NULL
        || rp_etcd_child_init(e, p, NULL, NULL) != APR_SUCCESS) {
        printf("cannot make a client\n");
        exit(2);
    }
    return e;
}

static size_t take(char *ptr, size_t size, size_t nmemb, void *data)
{
    char *buf = data;
    size_t have = strlen(buf), n = size * nmemb;

    if (have + n >= 512) {
        return 0;
    }
    memcpy(buf + have, ptr, n);
    buf[have + n] = '\0';
    return n;
}

/* How many keys are under the test's prefix: what etcd holds, not what
 * the client believes. */
static int keys_left(apr_pool_t *p, const char *url)
{
    /* "/rp-unit" and "/rp-uniu" in base64. */
    static const char body[] = "{\"key\":\"L3JwLXVuaXQ=\",\"range_end\":"
                               "\"L3JwLXVuaXU=\",\"count_only\":true}";
    CURL *h = curl_easy_init();
    char buf[512] = "";
    const char *c;

    if (!h) {
        return -1;
    }
    curl_easy_setopt(h, CURLOPT_URL, apr_pstrcat(p, url, "/v3/kv/range",
                                                 NULL));
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, take);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, buf);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 2000L);
    if (curl_easy_perform(h) != CURLE_OK) {
        curl_easy_cleanup(h);
        return -1;
    }
    curl_easy_cleanup(h);
    c = strstr(buf, "\"count\":\"");
    return c ? (int)strtol(c + 9, NULL, 10) : 0;
}

static void test_member(apr_pool_t *top)
{
    apr_pool_t *pa, *pb, *r;
    char dir[] = "/tmp/rp-etcd-unit.XXXXXX";
    int client_port = free_port(), peer_port = free_port();
    const char *url = apr_psprintf(top, "http://127.0.0.1:%d", client_port);
    const char *x[] = { "/docs/x" }, *several[] = { "/docs/y", "/docs/x",
                                                    "/docs/y" };
    const char *why = NULL;
    rp_etcd_held_t *ha, *hb;
    rp_etcd_t *a, *b;
    apr_time_t t;
    pid_t pid;
    int i, n, rv;

    if (access("/usr/bin/etcd", X_OK) != 0) {
        printf("# skipped the member tests: /usr/bin/etcd is not installed "
               "(etcd-server)\n");
        return;
    }
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        exit(2);
    }
    pid = start_etcd(top, dir, client_port, peer_port);
    apr_pool_create(&pa, top);
    apr_pool_create(&pb, top);
    a = client(pa, url);
    b = client(pb, url);
    for (i = 0; i < 100 && (why = rp_etcd_probe(a, top, 200000)); i++) {
        apr_sleep(apr_time_from_msec(100));
    }
    CHECK(!why, "etcd did not come up: %s", why);

    /* A holds /docs/x: B waits, gives up at its deadline, and leaves
     * nothing behind: once A is done, B's next try is at once. */
    apr_pool_create(&r, top);
    rv = rp_etcd_lock(a, r, x, 1, apr_time_now() + apr_time_from_sec(5), &ha,
                      &why);
    CHECK(rv == 0, "A's lock: %d %s", rv, why ? why : "");
    {
        apr_pool_t *rb;

        apr_pool_create(&rb, top);
        t = apr_time_now();
        rv = rp_etcd_lock(b, rb, x, 1, t + apr_time_from_msec(400), &hb,
                          &why);
        t = apr_time_now() - t;
        CHECK(rv == ETIMEDOUT, "B while A holds: %d (want ETIMEDOUT) %s", rv,
              why ? why : "");
        CHECK(t >= apr_time_from_msec(390) && t < apr_time_from_sec(2),
              "B waited %ld ms, not its 400", (long)apr_time_as_msec(t));
        apr_pool_destroy(rb);
    }
    /* etcd deletes the key of a waiter that gave up once it sees the
     * connection closed: soon, not at once. */
    for (i = 0; i < 30 && (n = keys_left(top, url)) != 1; i++) {
        apr_sleep(apr_time_from_msec(100));
    }
    CHECK(n == 1, "keys while A holds: %d, want 1 (B's left behind?)", n);
    apr_pool_destroy(r);        /* A's unlock, by its pool's cleanup */
    CHECK(keys_left(top, url) == 0, "keys once A is done: %d, want 0",
          keys_left(top, url));
    apr_pool_create(&r, top);
    t = apr_time_now();
    rv = rp_etcd_lock(b, r, x, 1, t + apr_time_from_sec(5), &hb, &why);
    t = apr_time_now() - t;
    CHECK(rv == 0 && t < apr_time_from_msec(500), "B after A: %d in %ld ms",
          rv, (long)apr_time_as_msec(t));
    rp_etcd_unlock(hb);
    rp_etcd_unlock(hb);         /* twice: nothing more */
    apr_pool_destroy(r);

    /* Several names, one given twice: each locked once. */
    apr_pool_create(&r, top);
    rv = rp_etcd_lock(a, r, several, 3, apr_time_now()
                      + apr_time_from_sec(5), &ha, &why);
    CHECK(rv == 0, "A's two names: %d %s", rv, why ? why : "");
    CHECK(keys_left(top, url) == 2, "keys for two names: %d, want 2",
          keys_left(top, url));
    apr_pool_destroy(r);

    /* etcd gone: fail closed, at once. */
    (void)kill(pid, SIGKILL);
    (void)waitpid(pid, NULL, 0);
    apr_pool_create(&r, top);
    t = apr_time_now();
    rv = rp_etcd_lock(b, r, x, 1, t + apr_time_from_sec(5), &hb, &why);
    t = apr_time_now() - t;
    CHECK(rv == EIO && why && strstr(why, url),
          "etcd gone: %d, %s (want EIO naming %s)", rv, why ? why : "", url);
    CHECK(t < apr_time_from_sec(2), "etcd gone: %ld ms to say so",
          (long)apr_time_as_msec(t));
    apr_pool_destroy(r);
    apr_pool_destroy(pa);       /* the keeper threads stop */
    apr_pool_destroy(pb);
    rm_tree(top, dir);
}

int main(void)
{
    apr_pool_t *p;

    apr_initialize();
    apr_pool_create(&p, NULL);
    if (rp_etcd_global_init() != 0) {
        printf("libcurl did not start\n");
        return 2;
    }
    test_urls(p);
    test_leases(p);
    test_member(p);
    apr_pool_destroy(p);
    apr_terminate();
    printf("etcd_test: %s\n", failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}
