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
"""Tiny raw-HTTP helpers for the review3 repros (127.0.0.1 only)."""
import socket, time

def req(port, method, path, headers=None, body=b'', hold=None, timeout=30):
    """Send a request. hold=N: send only the headers and N bytes of a
    longer body, return the socket (call finish()). Else return (status, headers, body, seconds)."""
    h = {'Host': '127.0.0.1', 'Connection': 'close'}
    h.update(headers or {})
    if body is not None and method in ('PUT', 'POST', 'PROPPATCH') or hold is not None:
        h['Content-Length'] = str(len(body))
    s = socket.create_connection(('127.0.0.1', port), timeout=timeout)
    head = '%s %s HTTP/1.1\r\n' % (method, path) + ''.join('%s: %s\r\n' % kv for kv in h.items()) + '\r\n'
    t0 = time.time()
    if hold is not None:
        s.sendall(head.encode() + body[:hold])
        return (s, body[hold:], t0)
    s.sendall(head.encode() + (body or b''))
    return read(s, t0)

def read(s, t0):
    data = b''
    while True:
        try:
            c = s.recv(65536)
        except socket.timeout:
            break
        if not c: break
        data += c
    s.close()
    head, _, b = data.partition(b'\r\n\r\n')
    lines = head.decode('latin1').split('\r\n')
    st = int(lines[0].split()[1]) if lines and lines[0] else 0
    hd = {}
    for l in lines[1:]:
        k, _, v = l.partition(':'); hd[k.strip().lower()] = v.strip()
    return st, hd, b, time.time() - t0

def finish(h):
    s, rest, t0 = h
    s.sendall(rest)
    return read(s, t0)

def etag(port, path):
    st, hd, b, _ = req(port, 'HEAD', path, body=None)
    return hd.get('etag')

def put(port, path, data, **hdr):
    return req(port, 'PUT', path, hdr, data)
