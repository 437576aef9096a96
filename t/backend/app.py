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

"""The backend of t/evaluate.t: a hand-written document store that ignores
every conditional header (If-Match, If-None-Match, If-Unmodified-Since, If,
If-Range, Range): whatever a client sends, a write is applied. Only httpd in
front of it (RequirePreconditionEvaluate) can refuse a stale one.

    app.py (--socket PATH | --listen HOST:PORT --ready FILE) --store DIR
           [--log FILE] [--requests FILE] [--etag strong|weak|none]
           [--head CODE] [--head-bare]

HTTP/1.1 on a Unix domain socket, or on TCP (--listen; port 0 picks a free
one, and the port is written to --ready FILE once it listens, as the
recipes of t/recipes.t name a host and port), one thread a connection, one
request a connection (every response says Connection: close). A URL path is a file
under --store (/a/b.txt is DIR/a/b.txt); two processes with one store share
its documents. Writes are atomic (a temporary file renamed over the old
one) and, across processes, one at a time (a lock on DIR/.app.lock).

    GET, HEAD   200 with the document, 404
    PUT         201 (created), 204 (replaced)
    DELETE      204, 404
    PATCH       appends the body to the document: 204, 404

Validators: --etag strong gives ETag "<sha1 of the content>", weak gives
W/"<sha1>", both with Last-Modified from the file's mtime; none gives
neither. --head CODE answers every HEAD with CODE (405 or 501: HEAD not
implemented); --head-bare answers HEAD with 200 but no validators, GET
still with them. A path with a segment head-NNN answers HEAD with NNN
(head-401 with WWW-Authenticate, head-3xx with Location); one with a
segment head-sleep answers HEAD after 3 seconds. GET and the writes are
not affected by either.

--log FILE: every write applied, as one line "METHOD path", appended
before the response is sent: the backend's own record, which shows that a
request never reached it. --requests FILE: every request as received, one
line "METHOD path HEADERS", HEADERS the conditional ones present
(if-match,if-none-match,... lower case, comma separated) or "-".
SIGTERM or SIGINT: stop listening, remove the socket, exit 0.
"""

import argparse
import email.utils
import fcntl
import hashlib
import http.server
import os
import signal
import socketserver
import sys
import tempfile
import threading
import time
import urllib.parse

# The headers the request log names when present.
CONDITIONAL = ('if-match', 'if-none-match', 'if-modified-since',
               'if-unmodified-since', 'if-range', 'if', 'range', 'expect')
REASONS = {301: 'Moved Permanently', 302: 'Found', 303: 'See Other',
           307: 'Temporary Redirect', 400: 'Bad Request',
           401: 'Unauthorized', 403: 'Forbidden',
           405: 'Method Not Allowed', 501: 'Not Implemented'}


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


class TCPServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'rp-eval-backend/1'
    timeout = 30                # a stuck connection frees its thread

    # Unix socket peers have no address; TCP ones are all local.
    def address_string(self):
        return 'unix'

    def log_message(self, fmt, *args):
        if self.server.opts.verbose:
            sys.stderr.write('app.py: %s\n' % (fmt % args))

    # ---- plumbing ---------------------------------------------------------

    def target(self):
        """(URL path, file) of the request, or None when the path is not
        one of a document (empty, dot or dot-dot segments)."""
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        segs = path.split('/')
        if not path.startswith('/') or len(segs) < 2:
            return None
        for s in segs[1:]:
            if s == '' or s.startswith('.') or '\0' in s:
                return None
        return path, os.path.join(self.server.opts.store, *segs[1:])

    def record(self, path):
        present = [h for h in CONDITIONAL if h in self.headers]
        append(self.server.opts.requests, '%s %s %s\n'
               % (self.command, path, ','.join(present) or '-'))

    def applied(self, path):
        append(self.server.opts.log, '%s %s\n' % (self.command, path))

    def read_body(self):
        """The request body (Content-Length or chunked), or None when its
        framing is bad."""
        te = self.headers.get('Transfer-Encoding', '').lower()
        if 'chunked' in te:
            out = []
            while True:
                line = self.rfile.readline(1024)
                try:
                    size = int(line.split(b';')[0].strip(), 16)
                except ValueError:
                    return None
                if size == 0:
                    while self.rfile.readline(1024) not in (b'\r\n', b'\n', b''):
                        pass
                    return b''.join(out)
                out.append(self.rfile.read(size))
                self.rfile.readline(1024)
        try:
            n = int(self.headers.get('Content-Length') or 0)
        except ValueError:
            return None
        if n < 0:
            return None
        data = self.rfile.read(n)
        return data if len(data) == n else None

    def reply(self, status, headers=(), body=b'', head=False):
        self.send_response(status, REASONS.get(status))
        for k, v in headers:
            self.send_header(k, v)
        if status != 204 and status != 304:
            self.send_header('Content-Length', str(len(body)))
        self.send_header('Connection', 'close')
        self.end_headers()
        if body and not head:
            self.wfile.write(body)
        self.close_connection = True

    def validators(self, data, mtime):
        kind = self.server.opts.etag
        if kind == 'none':
            return []
        tag = '"%s"' % hashlib.sha1(data).hexdigest()
        if kind == 'weak':
            tag = 'W/' + tag
        return [('ETag', tag),
                ('Last-Modified', email.utils.formatdate(mtime, usegmt=True))]

    # ---- reads ------------------------------------------------------------

    def lookup(self, head):
        t = self.target()
        if t is None:
            return self.reply(400, body=b'bad path\n')
        path, file = t
        self.record(path)
        segs = path.split('/')
        if head:
            for s in segs:
                if s.startswith('head-') and s[5:].isdigit():
                    code = int(s[5:])
                    extra = []
                    if code == 401:
                        extra = [('WWW-Authenticate', 'Basic realm="eval"')]
                    elif 300 <= code < 400:
                        extra = [('Location', 'http://elsewhere.invalid/')]
                    return self.reply(code, extra, b'refused\n', head=True)
            if 'head-sleep' in segs:
                time.sleep(3)
            if self.server.opts.head:
                return self.reply(self.server.opts.head,
                                  [('Allow', 'GET, PUT, PATCH, DELETE')],
                                  b'no HEAD here\n', head=True)
        try:
            with open(file, 'rb') as fh:
                data = fh.read()
                mtime = os.fstat(fh.fileno()).st_mtime
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return self.reply(404, [('Content-Type', 'text/plain')],
                              b'no such document\n', head=head)
        hdrs = [('Content-Type', 'text/plain')]
        if not (head and self.server.opts.head_bare):
            hdrs += self.validators(data, mtime)
        self.reply(200, hdrs, data, head=head)

    def do_GET(self):
        self.lookup(False)

    def do_HEAD(self):
        self.lookup(True)

    # ---- writes: If-* ignored on purpose ------------------------------------

    def write(self, apply):
        t = self.target()
        if t is None:
            return self.reply(400, body=b'bad path\n')
        path, file = t
        body = self.read_body()
        self.record(path)
        if body is None:
            return self.reply(400, body=b'bad body framing\n')
        with StoreLock(self.server.opts.store):
            status = apply(file, body)
            if status < 300:
                self.applied(path)
        self.reply(status, body=b'' if status in (201, 204) else b'no such document\n')

    def do_PUT(self):
        def put(file, body):
            existed = os.path.isfile(file)
            os.makedirs(os.path.dirname(file), exist_ok=True)
            replace(file, body)
            return 204 if existed else 201
        self.write(put)

    def do_DELETE(self):
        def delete(file, body):
            try:
                os.unlink(file)
            except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
                return 404
            return 204
        self.write(delete)

    def do_PATCH(self):
        def patch(file, body):
            try:
                with open(file, 'rb') as fh:
                    old = fh.read()
            except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
                return 404
            replace(file, old + body)
            return 204
        self.write(patch)


class StoreLock:
    """An exclusive lock on the store, for every process that shares it."""

    def __init__(self, store):
        self.path = os.path.join(store, '.app.lock')

    def __enter__(self):
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(self.fd, fcntl.LOCK_EX)

    def __exit__(self, *exc):
        os.close(self.fd)       # releases the lock


def replace(file, data):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(file), prefix='.tmp-')
    try:
        with os.fdopen(fd, 'wb') as fh:
            fh.write(data)
        os.replace(tmp, file)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def append(log, line):
    if not log:
        return
    # One write(2) on an O_APPEND descriptor: lines from several threads
    # and processes never interleave.
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode('utf-8', 'surrogateescape'))
    finally:
        os.close(fd)


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument('--socket')
    where.add_argument('--listen', metavar='HOST:PORT')
    p.add_argument('--ready', metavar='FILE',
                   help='with --listen: write the port here once listening')
    p.add_argument('--store', required=True)
    p.add_argument('--log')
    p.add_argument('--requests')
    p.add_argument('--etag', choices=('strong', 'weak', 'none'),
                   default='strong')
    p.add_argument('--head', type=int, metavar='CODE',
                   help='answer every HEAD with CODE (405, 501)')
    p.add_argument('--head-bare', action='store_true',
                   help='HEAD without ETag and Last-Modified')
    p.add_argument('--verbose', action='store_true')
    opts = p.parse_args()
    os.makedirs(opts.store, exist_ok=True)
    if opts.listen:
        host, _, port = opts.listen.rpartition(':')
        server = TCPServer((host, int(port)), Handler)
        if opts.ready:
            tmp = opts.ready + '.tmp'
            with open(tmp, 'w') as fh:
                fh.write('%d\n' % server.server_address[1])
            os.replace(tmp, opts.ready)
    else:
        try:
            os.unlink(opts.socket)          # a stale one from a killed run
        except FileNotFoundError:
            pass
        server = Server(opts.socket, Handler)
    server.opts = opts

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        try:
            os.unlink(opts.socket or opts.ready or '')
        except FileNotFoundError:
            pass
    return 0


if __name__ == '__main__':
    sys.exit(main())
