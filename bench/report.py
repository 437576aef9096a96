#!/usr/bin/python3
# Copyright 2026 The mod_require_precondition authors
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

"""The table and the chart of `make bench`, from its raw numbers.

  report.py RAW.txt [CHART.png]

RAW.txt holds one measurement a line (written by bench/run.sh):
  meta KEY VALUE...
  cg GUARD KIND REQUESTS RUN INSTRUCTIONS
  wrk COMPARISON CONFIG ROUND REQ/S NON-2XX SOCKET-ERRORS
  upload GUARD expect|noexpect TRY status=.. sent=.. size=.. ... server_read=..
  serialize available | unavailable REASON | etag ETAG
  fair n=REQUESTS p50=US p99=US max=US s<STATUS>=COUNT...
  deltree TREE wide|deep A B ENTRIES
  delete CONFIG TREE plain|lock RUN status=.. seconds=.. locked=.. left=..
  delbound CONFIG LOG-LINE
The table goes to stdout; the chart is drawn with gnuplot (bench/chart.gp).
"""
import os
import statistics
import subprocess
import sys
import tempfile

GUARDS = ["none", "module", "rewrite", "if"]
NAMES = {"none": "no module", "none-b": "no module (2nd)", "module": "module", "rewrite": "mod_rewrite recipe",
         "if": "<If> recipe", "ser-on": "Serialize On", "ser-off": "Serialize Off",
    "ser-anon": "anonymous lock file", "ser-file": "RequirePreconditionLockFile"}
CHART_NAMES = {"none": "no module", "none-b": "no module (2nd)", "module": "module",
               "rewrite": "mod_rewrite\\nrecipe", "if": "<If>\\nrecipe"}

# Targets of issue 5.
MAX_OVERHEAD = 200          # Ir/request on the pass-through path
MIN_VS_REWRITE = 25         # rewrite recipe's overhead / the module's
MIN_VS_IF = 10              # <If> recipe's overhead / the module's
MAX_428_VS_REWRITE = 0.75   # module's 428 Ir/request / the rewrite recipe's
MIN_GET_RATIO = 0.98        # GET req/s with the module / without
MAX_UPLOAD_SHARE = 0.01     # body sent without Expect / body size


def load(path):
    meta, cg, wrk, upload, ser = {}, {}, {}, {}, {}
    ser["deltree"], ser["delete"], ser["delbound"] = {}, {}, {}
    for line in open(path):
        f = line.split()
        if not f or f[0].startswith("#"):
            continue
        if f[0] == "meta":
            meta[f[1]] = " ".join(f[2:])
        elif f[0] == "cg":
            guard, kind, n, run, total = f[1], f[2], int(f[3]), f[4], int(f[5])
            cg.setdefault((guard, kind), {}).setdefault(n, []).append(total)
        elif f[0] == "wrk":
            label, config, rnd = f[1], f[2], int(f[3])
            if label.endswith("-warmup"):
                continue
            wrk.setdefault(label, {}).setdefault(config, []).append(
                (float(f[4]), int(f[5]), int(f[6])))
        elif f[0] == "upload":
            kv = dict(x.split("=", 1) for x in f[4:])
            upload.setdefault((f[1], f[2]), []).append(kv)
        elif f[0] == "serialize":
            ser[f[1]] = " ".join(f[2:])
        elif f[0] == "spoolio":
            ser["spoolio" + f[1]] = (int(f[2]), int(f[3]))
        elif f[0] == "spoolslow":
            ser["spoolslow-" + f[1]] = " ".join(f[2:])
        elif f[0] == "deltree":
            ser["deltree"][f[1]] = (f[2], int(f[3]), int(f[4]), int(f[5]))
        elif f[0] == "delete":
            kv = dict(x.split("=", 1) for x in f[5:])
            ser["delete"].setdefault((f[1], f[2], f[3]), []).append(kv)
        elif f[0] == "delbound":
            ser["delbound"][f[1]] = " ".join(f[2:])
        elif f[0] == "lockserver":
            ser["lockserver"] = dict(zip(f[1::2], (int(x) for x in f[2::2])))
        elif f[0] == "fair":
            ser["fair"] = dict(x.split("=", 1) for x in f[1:])
        elif f[0] == "errorlog":
            meta.setdefault("errorlogs", []).append(
                "%s: %s lines, the first: %s" % (f[1], f[2], " ".join(f[3:])))
    return meta, cg, wrk, upload, ser


def per_request(runs, warm, n):
    """Median over runs of (Ir after warm+n requests - Ir after warm) / n,
    and the spread of those runs."""
    if warm not in runs or warm + n not in runs:
        return None, None
    base = statistics.median(runs[warm])
    vals = [(t - base) / n for t in runs[warm + n]]
    return statistics.median(vals), max(vals) - min(vals)


def human_bytes(b):
    for unit, size in (("MB", 1 << 20), ("KB", 1 << 10)):
        if b >= size:
            return "%.1f %s" % (b / size, unit)
    return "%d B" % b


def fmt_int(x):
    return "—" if x is None else "{:,.0f}".format(x)


def main():
    raw = sys.argv[1]
    png = sys.argv[2] if len(sys.argv) > 2 else None
    meta, cg, wrk, upload, ser = load(raw)
    out = []
    p = out.append
    targets = []    # (met: True/False/None, text, value)

    p("mod_require_precondition: make bench")
    p("machine: %s cores (%s), %s, %s"
      % (meta.get("nproc", "?"), meta.get("cpu", "?"), meta.get("httpd", "?"),
         meta.get("os", "?")))
    parts = meta.get("parts", "1 2 3 4").split()

    # ---- part 1
    warm = int(meta.get("cg_warm", 100))
    n = int(meta.get("cg_requests", 1000))
    ir = {}
    spread = {}
    for key, runs in cg.items():
        ir[key], spread[key] = per_request(runs, warm, n)
    chart_ir = []
    if "1" in parts and ir:
        p("")
        p("1. Instructions per request (callgrind, inclusive in ap_process_request;")
        p("   httpd -X with the prefork MPM; %s requests on one keep-alive connection;"
          % n)
        p("   median of %s runs of (Ir after %d requests - Ir after %d) / %d)"
          % (meta.get("cg_repeat", "?"), warm + n, warm, n))
        p("")
        p("   %-20s %12s %10s %14s   %s" % ("configuration", "GET guarded",
                                           "overhead", "PUT no precond.", "PUT answer"))
        base = ir.get(("none", "get"))
        for g in GUARDS:
            get, put = ir.get((g, "get")), ir.get((g, "put"))
            over = None if get is None or base is None else get - base
            p("   %-20s %12s %10s %14s   %s" % (
                NAMES[g], fmt_int(get),
                "—" if g == "none" or over is None else "%+.0f" % over,
                fmt_int(put), "201/204, written" if g == "none" else "428"))
            chart_ir.append((CHART_NAMES[g], get or 0, put or 0))
        noise = max((spread[(g, "get")] or 0) for g in GUARDS if (g, "get") in spread)
        p("   (spread between runs of one configuration: up to %.0f Ir/request)" % noise)
        om = ir[("module", "get")] - base
        orw = ir[("rewrite", "get")] - base
        oif = ir[("if", "get")] - base

        def times(other):
            if om <= 0:
                return float("inf")
            return other / om
        p("")
        p("   pass-through overhead: module %+.0f Ir/request; mod_rewrite recipe %+.0f"
          " (%.2fx the module's); <If> recipe %+.0f (%.2fx)"
          % (om, orw, times(orw), oif, times(oif)))
        r428 = ir[("module", "put")] / ir[("rewrite", "put")]
        r428if = ir[("module", "put")] / ir[("if", "put")]
        p("   428 path: the module needs %.2fx the instructions of the mod_rewrite"
          " recipe, %.2fx those of the <If> recipe" % (r428, r428if))
        targets.append((om <= MAX_OVERHEAD,
                        "pass-through overhead <= %d Ir/request" % MAX_OVERHEAD,
                        "%+.0f" % om))
        targets.append((times(orw) >= MIN_VS_REWRITE,
                        "mod_rewrite recipe's overhead >= %dx the module's"
                        % MIN_VS_REWRITE, "%.2fx" % times(orw)))
        targets.append((times(oif) >= MIN_VS_IF,
                        "<If> recipe's overhead >= %dx the module's" % MIN_VS_IF,
                        "%.2fx" % times(oif)))
        targets.append((r428 <= MAX_428_VS_REWRITE,
                        "428 path <= %.2fx the mod_rewrite recipe's Ir/request"
                        % MAX_428_VS_REWRITE, "%.2fx" % r428))

    # ---- part 2 (and 4): throughput
    def compare(label, a, b):
        """Medians of A and B, and the median of the ratios B/A of the
        rounds: each round runs A and B back to back, so drift cancels."""
        ra = [x[0] for x in wrk[label][a]]
        rb = [x[0] for x in wrk[label][b]]
        bad = {c: (sum(x[1] for x in wrk[label][c]), sum(x[2] for x in wrk[label][c]))
               for c in (a, b)}
        ma, mb = statistics.median(ra), statistics.median(rb)
        ratios = sorted(y / x for x, y in zip(ra, rb))
        ratio = statistics.median(ratios)
        q = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else [ratio] * 3
        return ma, mb, ratio, bad, (ra, rb), (q[0], q[2])

    chart_ratio = []
    if "2" in parts and "get" in wrk:
        p("")
        p("2. Throughput (wrk -t1 -c%s on loopback; event MPM; %s rounds of %s s,"
          " A B then B A; median req/s;"
          % (meta.get("wrk_connections"), meta.get("wrk_rounds"),
             meta.get("wrk_seconds")))
        p("   B/A: median of the rounds' ratios)")
        p("")
        p("   %-18s %-20s %10s   %-20s %10s   %6s  %s" % ("", "A", "req/s", "B", "req/s",
                                                         "B/A", "rounds' B/A, IQR"))
        rows = [("control (A/A)", "control", "none", "none-b"),
                ("GET pass-through", "get", "none", "module"),
                ("428 rejection", "reject", "rewrite", "module")]
        control = None
        for title, label, a, b in rows:
            if label not in wrk:
                continue
            ma, mb, ratio, bad, _, iqr = compare(label, a, b)
            p("   %-18s %-20s %10s   %-20s %10s   %6.3f  %.3f-%.3f"
              % (title, NAMES[a], fmt_int(ma), NAMES[b], fmt_int(mb), ratio,
                 iqr[0], iqr[1]))
            errors = sum(e for _, e in bad.values())
            if label in ("get", "control") and sum(x for x, _ in bad.values()):
                p("   !! GET runs had non-2xx answers: %s" % bad)
            if errors:
                p("   !! socket errors in %s: %d" % (label, errors))
            chart_ratio.append(({"control": "A/A control\\nnone/none",
                                 "get": "GET\\nmodule/none",
                                 "reject": "428s\\nmodule/rewrite"}[label],
                                ratio))
            if label == "control":
                control = ratio
            if label == "get":
                targets.append((ratio >= MIN_GET_RATIO,
                                "GET throughput with the module >= %.2fx without"
                                % MIN_GET_RATIO, "%.3fx" % ratio
                                + ("" if control is None
                                   else " (control A/A %.3fx)" % control)))
        for title, label, a, b in rows:
            if label in wrk:
                ra, rb = compare(label, a, b)[4]
                p("   rounds, %s: %s %s | %s %s" % (
                    title, NAMES[a], " ".join("%.0f" % x for x in ra),
                    NAMES[b], " ".join("%.0f" % x for x in rb)))

    # ---- part 3
    if "3" in parts and upload:
        size = int(meta.get("upload_bytes", 0))
        mbit = meta.get("upload_mbit", "1000")
        p("")
        p("3. Early rejection: a PUT of %s without precondition. Body bytes the"
          " client had sent" % human_bytes(size))
        p("   when its 428 arrived: median of %s tries [max]. Without Expect, once"
          " paced like a client" % meta.get("upload_tries"))
        p("   on a %s Mbit/s link, once as fast as loopback takes it (then the"
          " kernel's socket" % mbit)
        p("   buffers, not the server, set the figure: compare what the server"
          " read, %I).")
        p("")
        modes = [("expect", "Expect: 100-continue"),
                 ("link", "no Expect, %s Mbit/s" % mbit),
                 ("loopback", "no Expect, loopback")]
        p("   %-20s %-24s %-28s %-28s %s" % (("",) + tuple(t for _, t in modes)
                                             + ("server read",)))
        for g in ("module", "rewrite"):
            cells = []
            for mode, _ in modes:
                tries = upload.get((g, mode), [])
                if not tries:
                    cells.append("—")
                    continue
                sent = [int(t["sent"]) for t in tries]
                statuses = sorted({t["status"] for t in tries})
                med, top = statistics.median(sent), max(sent)
                if top == 0:
                    cell = "0 B"
                else:
                    cell = "%s %.2f%% [%s]" % (human_bytes(med), 100.0 * med / size,
                                               human_bytes(top))
                if statuses != ["428"]:
                    cell += " status %s" % ",".join(statuses)
                cells.append(cell)
                if g != "module":
                    continue
                if mode == "expect":
                    targets.append((top == 0 and statuses == ["428"],
                                    "rejected upload with Expect: no body byte sent",
                                    "%s max" % human_bytes(top)))
                else:
                    targets.append((med < MAX_UPLOAD_SHARE * size and statuses == ["428"],
                                    "rejected upload without Expect (%s): < 1%% sent"
                                    % ("%s Mbit/s client" % mbit if mode == "link"
                                       else "unpaced loopback"),
                                    "%.2f%% median" % (100.0 * med / size)))
            reads = [t.get("server_read", "?") for t in upload.get((g, "loopback"), [])]
            nums = [int(r) for r in reads if r.isdigit()]
            cells.append(human_bytes(statistics.median(nums)) if nums else "?")
            p("   %-20s %-24s %-28s %-28s %s" % ((NAMES[g],) + tuple(cells)))

    # ---- part 4
    if "4" in parts:
        p("")
        p("4. Serialization: conditional PUTs (If-Match, strong ETag, FileETag Digest,"
          " mod_dav) to %s distinct files" % meta.get("ser_files", "1000"))
        if "available" in ser and "serialize" in wrk:
            ma, mb, ratio, bad, (ra, rb), iqr = compare("serialize", "ser-off", "ser-on")
            p("   Serialize Off %s req/s, Serialize On %s req/s (medians):"
              " On/Off %.3f (median of the rounds' ratios; IQR %.3f-%.3f)"
              % (fmt_int(ma), fmt_int(mb), ratio, iqr[0], iqr[1]))
            p("   rounds: Off %s | On %s" % (" ".join("%.0f" % x for x in ra),
                                            " ".join("%.0f" % x for x in rb)))
            if any(x for x, _ in bad.values()) or any(e for _, e in bad.values()):
                p("   !! answers other than 2xx or socket errors: %s" % bad)
            chart_ratio.append(("If-Match PUTs\\nSerialize On/Off", ratio))
            targets.append((ratio >= 0.95, "distinct files: Serialize On >= 0.95x Off",
                            "%.3f (IQR %.3f-%.3f)" % (ratio, iqr[0], iqr[1])))
            if "serialize64" in wrk:
                ma, mb, ratio, bad, (ra, rb), iqr = compare("serialize64", "ser64-off",
                                                            "ser64-on")
                n = meta.get("ser_writers", "64")
                p("   %s writers: Off %s req/s, On %s req/s (medians): On/Off %.3f"
                  " (IQR %.3f-%.3f)" % (n, fmt_int(ma), fmt_int(mb), ratio,
                                        iqr[0], iqr[1]))
                if any(x for x, _ in bad.values()) or any(e for _, e in bad.values()):
                    p("   !! answers other than 2xx or socket errors: %s" % bad)
                targets.append((ratio >= 0.95, "distinct files, %s writers: Serialize On"
                                " >= 0.95x Off" % n,
                                "%.3f (IQR %.3f-%.3f)" % (ratio, iqr[0], iqr[1])))
            if "serializetrial" in wrk:
                ma, mb, ratio, bad, (ra, rb), iqr = compare("serializetrial", "sertrial-off",
                                                            "sertrial-on")
                n = meta.get("ser_writers", "64")
                body = meta.get("trial_body", "100")
                p("   the trial's shape (%s writers, wrk -t2, %s-byte bodies, a file at random"
                  " per PUT, Debian's event settings): Off %s req/s, On %s req/s (medians):"
                  " On/Off %.3f (IQR %.3f-%.3f)" % (n, body, fmt_int(ma), fmt_int(mb), ratio,
                                                    iqr[0], iqr[1]))
                if any(x for x, _ in bad.values()):
                    p("   !! answers other than 2xx (and socket errors): %s" % bad)
                elif any(e for _, e in bad.values()):
                    # A child the MPM retires closes its keep-alive
                    # connections: wrk counts the reads that end so.
                    p("   socket errors (keep-alive connections closed by a retiring"
                      " child), Off %d, On %d" % (bad["sertrial-off"][1], bad["sertrial-on"][1]))
                targets.append((ratio >= 0.95, "the trial's shape (writers meet, several"
                                " children): Serialize On >= 0.95x Off",
                                "%.3f (IQR %.3f-%.3f)" % (ratio, iqr[0], iqr[1])))
        else:
            p("   not available: %s" % (ser.get("unavailable")
                                        or "no measurement")
              + " (the built module does not accept RequirePreconditionSerialize)")

    # ---- part 5
    if "5" in parts and "fair" in ser:
        fr = ser["fair"]
        ms = lambda k: int(fr.get(k, "-1")) / 1000.0
        n503 = int(fr.get("s503", "0"))
        p("")
        p("5. Fairness: %s writers on one resource for %s s, timeout 1 s: the wait for"
          " the lock per request" % (meta.get("fair_writers"), meta.get("fair_seconds")))
        p("   %s requests: p50 %.1f ms, p99 %.1f ms, max %.1f ms; statuses %s"
          % (fr.get("n"), ms("p50"), ms("p99"), ms("max"),
             " ".join("%s x%s" % (k[1:], v) for k, v in sorted(fr.items())
                      if k.startswith("s"))))
        targets.append((n503 == 0, "contention: no 503 (64 writers, timeout 1 s)",
                        "%d" % n503))
        targets.append((0 <= ms("p99") < 100, "contention: p99 wait < 100 ms",
                        "%.1f ms" % ms("p99")))
        if ms("p50") > 0:
            targets.append((ms("p99") / ms("p50") < 2, "contention: p99/p50 < 2",
                            "%.2f" % (ms("p99") / ms("p50"))))

    # ---- part 7
    if "7" in parts and "spool4096" in wrk:
        p("")
        p("7. The spool: conditional PUTs, one file per connection,"
          " RequirePreconditionSpoolLimit 16777216 (B) vs 0 (A)")
        for size, name in (("4096", "4 KB"), ("8388608", "8 MB")):
            if "spool" + size not in wrk or not all(
                    x[0] for c in ("sp-off", "sp-on")
                    for x in wrk["spool" + size].get(c, [(0,)])):
                p("   %-5s no complete request in a run" % name)
                continue
            ma, mb, ratio, bad, (ra, rb), iqr = compare("spool" + size, "sp-off", "sp-on")
            on, off = ser.get("spoolio" + size, (0, 0))
            p("   %-5s off %s req/s, on %s req/s: on/off %.3f (IQR %.3f-%.3f);"
              " written to storage: on %s, off %s"
              % (name, fmt_int(ma), fmt_int(mb), ratio, iqr[0], iqr[1],
                 human_bytes(on), human_bytes(off)))
            if any(x for x, _ in bad.values()) or any(e for _, e in bad.values()):
                p("   !! answers other than 2xx or socket errors: %s" % bad)
        for c, name in (("sp-off", "spool off"), ("sp-on", "spool on")):
            if "spoolslow-" + c in ser:
                p("   slow uploader (400 kB over 3 s) with 4 writers of the same"
                  " document, %s: %s" % (name, ser["spoolslow-" + c]))


    # ---- part 8
    if "8" in parts and ser["delete"]:
        dl = ser["delete"]
        configs = [("del-none", "no module"), ("del-bare", "module, no section"),
                   ("del-guarded", "module, guarded")]

        def med(key):
            runs = dl.get(key)
            if not runs:
                return None
            secs = [float(x["seconds"]) for x in runs]
            return statistics.median(secs), min(secs), max(secs), \
                sorted({x["status"] for x in runs}), \
                sorted({x["left"] for x in runs})

        def cell(key):
            m = med(key)
            if m is None:
                return "—"
            t, lo, hi, st, left = m
            return "%.0f ms [%.0f-%.0f] %s" % (t * 1000, lo * 1000, hi * 1000,
                                              "/".join(st))
        p("")
        p("8. DELETE of a collection: one DELETE, timed at the client; median of %s"
          " runs (%s for 10,000 files)" % (meta.get("del_repeat"),
                                          meta.get("del_repeat_big")))
        p("   [min-max] and status; each run on a new copy of the tree, synced to"
          " disk, outside the timed part")
        p("")
        p("   %-34s %7s   %-26s %-26s %-26s" % (("tree", "entries")
                                                 + tuple(n for _, n in configs)))
        for tree, (kind, a, b, entries) in ser["deltree"].items():
            desc = ("%s files in %s folders" % ("{:,}".format(a * b), a)
                    if kind == "wide" else "%d nested folders, %d files each" % (a, b))
            for how in ("plain", "lock"):
                if not any((c, tree, how) in dl for c, _ in configs):
                    continue
                p("   %-34s %7s   %-26s %-26s %-26s" % (
                    (desc if how == "plain" else "  the same, lock token in If",
                     "{:,}".format(entries) if how == "plain" else "")
                    + tuple(cell((c, tree, how)) for c, _ in configs)))
        for tree, (kind, a, b, entries) in ser["deltree"].items():
            for c, name in configs[1:]:
                m, base = med((c, tree, "plain")), med(("del-none", tree, "plain"))
                if m is None or base is None:
                    continue
                if m[3] == ["204"] and base[3] == ["204"]:
                    added = m[0] - base[0]
                    p("   %-8s %-20s added to the DELETE: %+.1f ms, %+.1f us per entry"
                      " (medians%s)" % (tree, name, added * 1000, added * 1e6 / entries,
                                        "; within the runs' spread"
                                        if abs(added) < max(m[2] - m[1], base[2] - base[1])
                                        else ""))
        ctl = med(("del-guarded", "nowalk", "plain"))
        if ctl:
            p("   428 without a walk (a collection inside a guarded <Location>):"
              " %.1f ms" % (ctl[0] * 1000))
        for tree, (kind, a, b, entries) in ser["deltree"].items():
            for c, name in configs[1:]:
                m = med((c, tree, "plain"))
                if not m or m[3] != ["428"]:
                    continue
                walked = min(entries, 10000)
                extra = m[0] - (ctl[0] if ctl else 0)
                p("   %-8s %-20s past the walk's bounds: 428 in %.1f ms, the tree left"
                  " whole (%s entries); the walk: %.1f us per entry read"
                  % (tree, name, m[0] * 1000, "/".join(m[4]),
                     extra * 1e6 / (walked if kind == "wide" else entries)))
        for c, line in sorted(ser["delbound"].items()):
            p("   %s logs: %s" % (c, line[:220]))

    # ---- part 9
    if "9" in parts and "evalput" in wrk:
        p("")
        p("9. RequirePreconditionEvaluate, through ProxyPass to t/backend/app.py"
          " (Python, a Unix socket)")
        rows = [("PUT If-Match, Backend (B) vs Off (A)", "evalput", "ev-off",
                 "ev-backend", "PUT\\nBackend/Off"),
                ("GET 1 KB JSON, Digest (B) vs Off (A)", "evalget1024", "ev-off",
                 "ev-digest", "GET 1 KB\\nDigest/Off"),
                ("GET 100 KB JSON, Digest (B) vs Off (A)", "evalget102400",
                 "ev-off", "ev-digest", "GET 100 KB\\nDigest/Off")]
        for title, label, a, b, short in rows:
            if label not in wrk:
                continue
            ma, mb, ratio, bad, (ra, rb), iqr = compare(label, a, b)
            p("   %-40s A %s req/s, B %s req/s: B/A %.3f (IQR %.3f-%.3f)"
              % (title, fmt_int(ma), fmt_int(mb), ratio, iqr[0], iqr[1]))
            if any(x for x, _ in bad.values()) or any(e for _, e in bad.values()):
                p("   !! answers other than 2xx or socket errors: %s" % bad)
            chart_ratio.append((short, ratio))

    # ---- part 10
    if "10" in parts and "lockserver" in wrk:
        ma, mb, ratio, bad, (ra, rb), iqr = compare("lockserver", "ls-local",
                                                    "ls-a+ls-b")
        p("")
        p("10. RequirePreconditionLockServer: part 9's PUTs (Backend), two gateways"
          " over etcd (one member, loopback) vs one gateway, its local lock")
        p("   one gateway %s req/s, two over etcd %s req/s (medians):"
          " two/one %.3f (IQR %.3f-%.3f)" % (fmt_int(ma), fmt_int(mb), ratio,
                                              iqr[0], iqr[1]))
        ls = ser.get("lockserver", {})
        if ls.get("locks"):
            rtt = ls["calls"] / ls["locks"]
            p("   round trips to etcd per write: %.2f (%d calls for %d locks)"
              % (rtt, ls["calls"], ls["locks"]))
            targets.append((rtt <= 2.05, "round trips to etcd per write <= 2",
                            "%.2f" % rtt))
        targets.append((ratio >= 0.7, "two gateways over etcd >= 0.7x one with"
                        " its local lock", "%.2fx" % ratio))
        if any(x for x, _ in bad.values()) or any(e for _, e in bad.values()):
            p("   !! answers other than 2xx or socket errors: %s" % bad)
        chart_ratio.append(("etcd\\ntwo/one", ratio))

    # ---- part 6
    if "6" in parts and "lockfile" in wrk:
        ma, mb, ratio, bad, (ra, rb), iqr = compare("lockfile", "ser-anon", "ser-file")
        p("")
        p("6. The lock file: part 4's PUTs, RequirePreconditionLockFile on local disk"
          " vs the anonymous lock file")
        p("   anonymous %s req/s, lock file %s req/s (medians): file/anonymous %.3f"
          " (IQR %.3f-%.3f)" % (fmt_int(ma), fmt_int(mb), ratio, iqr[0], iqr[1]))
        if any(x for x, _ in bad.values()) or any(e for _, e in bad.values()):
            p("   !! answers other than 2xx or socket errors: %s" % bad)
        chart_ratio.append(("lock file\\nfile/anonymous", ratio))

    # ---- targets
    if targets:
        p("")
        p("Targets (issues 5 and 10)")
        for met, text, value in targets:
            p("   %-6s %-66s %s" % ("met" if met else "MISSED", text, value))
    for line in meta.get("errorlogs", []):
        p("!! error log of server %s" % line)
    if "seconds" in meta:
        p("")
        p("%s s in all" % meta["seconds"])
    print("\n".join(out))

    if png and (chart_ir or chart_ratio):
        chart(png, chart_ir, chart_ratio, meta)


def chart(png, chart_ir, chart_ratio, meta):
    """One panel for each kind of data there is (bench/chart.gp)."""
    here = os.path.dirname(os.path.abspath(__file__))
    title = "%s cores, %s, %s" % (meta.get("nproc", "?"), meta.get("cpu", "?"),
                                  meta.get("httpd", "?"))
    with tempfile.TemporaryDirectory() as tmp:
        files = {}

        def write(name, rows):
            path = os.path.join(tmp, name + ".dat")
            with open(path, "w") as f:
                for row in rows:
                    f.write('"%s" %s\n' % (row[0], " ".join("%.4f" % v for v in row[1:])))
            files[name] = path
        if chart_ir:
            write("irfile", chart_ir)
            base = chart_ir[0][1]
            write("overfile", [(name, get - base) for name, get, _ in chart_ir[1:]])
        if chart_ratio:
            write("ratiofile", chart_ratio)
        sets = "; ".join("%s='%s'" % kv for kv in sorted(files.items()))
        cmd = ["gnuplot", "-e", "%s; out='%s'; machine='%s'"
               % (sets, png, title.replace("'", "")), os.path.join(here, "chart.gp")]
        subprocess.run(cmd, check=True)

if __name__ == "__main__":
    main()
