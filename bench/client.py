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

"""HTTP clients for `make bench`, on plain sockets (Debian's python3 only).

  client.py wait PORT [SECONDS]         wait until 127.0.0.1:PORT accepts
  client.py free FIRST LAST             print a free port of FIRST..LAST
  client.py reqs PORT KIND N STATUS,.. [PAUSE-MS]
                                        N requests of KIND (get or put) over
                                        one keep-alive connection, one at a
                                        time; fail on another status
  client.py upload PORT PATH SIZE [expect] [MBIT/S]
                                        a PUT of SIZE body bytes, sent in
                                        chunks while watching for the
                                        response; prints how many body bytes
                                        went out before the final response.
                                        MBIT/S paces the body like a client
                                        on a link of that speed (0: as fast
                                        as loopback takes it)
  client.py etag PORT PATH              print the ETag of a GET
  client.py slow PORT PATH SIZE SECONDS WRITERS
                                        one PUT (If-Match current) of SIZE
                                        bytes trickled over SECONDS while
                                        WRITERS clients read-modify-write
                                        PATH in a loop; prints the slow
                                        one's status, the writers' statuses
                                        and their p50/p99 in ms
  client.py delete PORT PATH [lock]     one DELETE of PATH, timed from its
                                        first byte sent to its response;
                                        with lock, first (untimed) a LOCK
                                        of PATH, depth infinity, and its
                                        token in the DELETE's If header
                                        (tagged with PATH);
                                        prints the status and the seconds

Every wait is bounded; a server that does not answer is an error.
"""
import errno
import select
import socket
import sys
import threading
import time

HOST = "127.0.0.1"
CHUNK = 65536           # what curl and most clients hand to send() at once
IO_TIMEOUT = 60.0       # callgrind makes httpd some 50 times slower
EXPECT_WAIT = 3.0       # curl waits 1 s for a 100 Continue; be patient
UPLOAD_DEADLINE = 60.0  # a 200 MB upload over loopback takes under 2 s


def die(msg):
    sys.stderr.write("bench/client.py: %s\n" % msg)
    sys.exit(1)


def request(kind):
    head = "Host: 127.0.0.1\r\nUser-Agent: rp-bench\r\nAccept: */*\r\n"
    if kind == "get":
        return ("GET /docs/page.html HTTP/1.1\r\n%s\r\n" % head).encode()
    body = b"unconditional write\n"
    return ("PUT /docs/put.txt HTTP/1.1\r\n%sContent-Type: text/plain\r\n"
            "Content-Length: %d\r\n\r\n" % (head, len(body))).encode() + body


class Reader:
    """Reads HTTP/1.1 responses off one connection."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def _more(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError("connection closed by the server")
        self.buf += data

    def _line(self):
        while b"\r\n" not in self.buf:
            self._more()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _take(self, n):
        while len(self.buf) < n:
            self._more()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def response(self, head_only=False):
        """(status, headers) of the next final response, body consumed."""
        while True:
            status_line = self._line()
            parts = status_line.split(b" ", 2)
            if len(parts) < 2 or not parts[0].startswith(b"HTTP/"):
                raise ValueError("bad status line %r" % status_line)
            status = int(parts[1])
            headers = {}
            while True:
                line = self._line()
                if not line:
                    break
                name, _, value = line.partition(b":")
                headers[name.strip().lower().decode()] = value.strip().decode()
            if status >= 200:
                break
        if head_only or status in (204, 304):
            return status, headers
        if headers.get("transfer-encoding", "").lower() == "chunked":
            while True:
                size = int(self._line().split(b";")[0], 16)
                if not size:
                    while self._line():     # trailers
                        pass
                    break
                self._take(size + 2)
        elif "content-length" in headers:
            self._take(int(headers["content-length"]))
        else:
            raise ValueError("response without a length")
        return status, headers


def connect(port, timeout=IO_TIMEOUT):
    sock = socket.create_connection((HOST, port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def cmd_wait(port, seconds="30"):
    deadline = time.time() + float(seconds)
    while time.time() < deadline:
        try:
            connect(int(port), 1.0).close()
            return
        except OSError:
            time.sleep(0.1)
    die("nothing listens on %s:%s after %s s" % (HOST, port, seconds))


def cmd_free(first, last):
    for port in range(int(first), int(last) + 1):
        s = socket.socket()
        try:
            s.bind((HOST, port))
        except OSError:
            continue
        finally:
            s.close()
        print(port)
        return
    die("no free port in %s..%s" % (first, last))


def cmd_etag(port, path):
    sock = connect(int(port))
    sock.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close"
                  "\r\n\r\n" % path).encode())
    status, headers = Reader(sock).response()
    sock.close()
    if status != 200 or "etag" not in headers:
        die("GET %s: status %d, ETag %r" % (path, status, headers.get("etag")))
    print(headers["etag"])


def cmd_reqs(port, kind, n, statuses, pause_ms="0"):
    allowed = {int(s) for s in statuses.split(",")}
    pause = float(pause_ms) / 1000
    req = request(kind)
    sock = connect(int(port))
    reader = Reader(sock)
    seen = {}
    for i in range(int(n)):
        sock.sendall(req)
        try:
            status, headers = reader.response()
        except (EOFError, OSError, ValueError) as e:
            die("%s request %d of %s: %s" % (kind, i + 1, n, e))
        seen[status] = seen.get(status, 0) + 1
        if status not in allowed:
            die("%s request %d: status %d, expected %s"
                % (kind, i + 1, status, statuses))
        if headers.get("connection", "").lower() == "close":
            die("%s request %d: the server closed the connection"
                % (kind, i + 1))
        if pause:
            # Let the server finish this request and wait for the next one
            # before it comes: were it already there when httpd looks for a
            # pipelined request, the instructions would depend on timing.
            time.sleep(pause)
    sock.close()
    print(" ".join("%d:%d" % kv for kv in sorted(seen.items())))


def cmd_upload(port, path, size, expect="", mbit="0"):
    """Send a PUT of `size` bytes; count body bytes sent before the final
    response. Prints key=value pairs."""
    size = int(size)
    rate = float(mbit) * 1e6 / 8      # bytes per second; 0: unpaced
    sock = connect(int(port))
    head = ("PUT %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: rp-bench\r\n"
            "Content-Type: application/octet-stream\r\nContent-Length: %d\r\n"
            % (path, size))
    if expect:
        head += "Expect: 100-continue\r\n"
    sock.sendall((head + "\r\n").encode())
    sock.setblocking(False)
    chunk = b"\0" * CHUNK
    sent = 0
    got = b""
    status = None
    got_100 = False
    closed = False
    start = time.time()

    def read_some():
        """Read what is there; return False when the peer closed."""
        nonlocal got
        try:
            data = sock.recv(65536)
        except BlockingIOError:
            return True
        except ConnectionResetError:
            return False
        if not data:
            return False
        got += data
        return True

    def final_status():
        """Status of the first final response in `got`, 100s skipped."""
        nonlocal got_100
        rest = got
        while b"\r\n\r\n" in rest:
            head, rest = rest.split(b"\r\n\r\n", 1)
            code = int(head.split(b" ", 2)[1])
            if code >= 200:
                return code
            got_100 = got_100 or code == 100
        return None

    if expect:
        deadline = start + EXPECT_WAIT
        while status is None and not got_100 and time.time() < deadline:
            r, _, _ = select.select([sock], [], [], deadline - time.time())
            if r and not read_some():
                closed = True
                break
            status = final_status()
    # Stream eagerly, as clients do: write whenever the socket takes data
    # (or, paced, as soon as the link would have carried the last chunk),
    # and look for a response after every write.
    body_start = time.time()
    while status is None and not closed and sent < size:
        if time.time() - start > UPLOAD_DEADLINE:
            die("upload to %s took over %d s" % (path, UPLOAD_DEADLINE))
        if rate:
            ahead = body_start + sent / rate - time.time()
            if ahead > 0:
                r, _, _ = select.select([sock], [], [], ahead)
                if r:
                    if not read_some():
                        closed = True
                    status = final_status()
                    continue
        try:
            sent += sock.send(chunk[:min(CHUNK, size - sent)])
            wait = 0
        except BlockingIOError:
            wait = 5.0          # the buffers are full: block until either
        except (BrokenPipeError, ConnectionResetError):
            closed = True
            break
        r, _, _ = select.select([sock], [] if not wait else [sock], [], wait)
        if r:
            if not read_some():
                closed = True
            status = final_status()
    # Body sent (or the server stopped taking it): wait for the response.
    deadline = time.time() + 30.0
    while status is None and time.time() < deadline:
        r, _, _ = select.select([sock], [], [], deadline - time.time())
        if r and not read_some():
            status = final_status()
            break
        status = final_status()
    sock.close()
    print("status=%s sent=%d size=%d expect=%d mbit=%s got100=%d seconds=%.3f"
          % (status if status is not None else "none", sent, size,
             1 if expect else 0, mbit, 1 if got_100 else 0,
             time.time() - start))


def get_etag(port, path):
    sock = connect(port)
    sock.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close"
                  "\r\n\r\n" % path).encode())
    status, headers = Reader(sock).response()
    sock.close()
    return headers.get("etag", '"none"')


def put(port, path, etag, body):
    sock = connect(port)
    sock.sendall(("PUT %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close"
                  "\r\nIf-Match: %s\r\nContent-Length: %d\r\n\r\n"
                  % (path, etag, len(body))).encode() + body)
    status, _ = Reader(sock).response()
    sock.close()
    return status


def cmd_slow(port, path, size, seconds, writers):
    port, size, seconds = int(port), int(size), float(seconds)
    done = threading.Event()
    lock = threading.Lock()
    times, statuses = [], {}

    def writer(k):
        n = 0
        while not done.is_set():
            t0 = time.time()
            st = put(port, path, get_etag(port, path), b"writer %d %d\n" % (k, n))
            with lock:
                times.append(time.time() - t0)
                statuses[st] = statuses.get(st, 0) + 1
            n += 1

    sock = connect(port)
    sock.sendall(("PUT %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close"
                  "\r\nIf-Match: %s\r\nContent-Length: %d\r\n\r\n"
                  % (path, get_etag(port, path), size)).encode())
    threads = [threading.Thread(target=writer, args=(k,))
               for k in range(int(writers))]
    for t in threads:
        t.start()
    steps = 20
    for i in range(steps):
        sock.sendall(b"s" * (size // steps + (size % steps if i == 0 else 0)))
        time.sleep(seconds / steps)
    status, _ = Reader(sock).response()
    sock.close()
    done.set()
    for t in threads:
        t.join()
    times.sort()
    q = lambda f: times[min(len(times) - 1, int(f * len(times)))] * 1000 if times else -1
    print("slow=%d n=%d p50=%.1f p99=%.1f %s" % (
        status, len(times), q(0.5), q(0.99),
        " ".join("s%d=%d" % kv for kv in sorted(statuses.items()))))


LOCKINFO = (b'<?xml version="1.0" encoding="utf-8"?>\n'
            b'<D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/>'
            b'</D:lockscope><D:locktype><D:write/></D:locktype>'
            b'<D:owner>rp-bench</D:owner></D:lockinfo>\n')


def cmd_delete(port, path, lock=""):
    port = int(port)
    cond = ""
    if lock:
        sock = connect(port)
        sock.sendall(("LOCK %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close"
                      "\r\nDepth: infinity\r\nTimeout: Second-600\r\n"
                      "Content-Type: application/xml\r\nContent-Length: %d"
                      "\r\n\r\n" % (path, len(LOCKINFO))).encode() + LOCKINFO)
        status, headers = Reader(sock).response()
        sock.close()
        if status != 200 or "lock-token" not in headers:
            die("LOCK %s: status %d, Lock-Token %r"
                % (path, status, headers.get("lock-token")))
        # Tagged: mod_dav applies an untagged list to the parent too, and
        # the parent does not hold the lock (424).
        cond = "If: <%s> (%s)\r\n" % (path, headers["lock-token"])
    sock = connect(port)
    req = ("DELETE %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
           "%s\r\n" % (path, cond)).encode()
    t0 = time.perf_counter()
    sock.sendall(req)
    status, _ = Reader(sock).response()
    seconds = time.perf_counter() - t0
    sock.close()
    print("status=%d seconds=%.6f locked=%d" % (status, seconds, 1 if lock else 0))


COMMANDS = {"wait": cmd_wait, "free": cmd_free, "reqs": cmd_reqs,
            "upload": cmd_upload, "etag": cmd_etag, "slow": cmd_slow,
            "delete": cmd_delete}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        die(__doc__)
    try:
        COMMANDS[sys.argv[1]](*sys.argv[2:])
    except TypeError as e:
        die("%s: %s\n%s" % (sys.argv[1], e, __doc__))
