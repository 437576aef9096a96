/* mod_require_precondition: the version and the log message tags. */

#ifndef MOD_REQUIRE_PRECONDITION_H
#define MOD_REQUIRE_PRECONDITION_H

/* The release, as in CHANGES; shown in the server version (mod_info's
 * "Server Version", ServerTokens Full) and in the start-up debug line. */
#define MOD_REQUIRE_PRECONDITION_VERSION "0.2.0"

/* A unique tag at the start of every log message, as httpd's APLOGNO:
 *     ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, RPLOGNO(00001) "...");
 * gives "RP00001: ...". Write a new message with an empty RPLOGNO() and
 * run tools/lognos.sh --fill, which gives it the next free number;
 * tools/lognos.sh --check (make lint) fails on a duplicate number and on
 * a log call without a tag. */
#define RPLOGNO(n) "RP" #n ": "

#endif /* MOD_REQUIRE_PRECONDITION_H */
