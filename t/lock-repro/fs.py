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

import socket, time, subprocess, sys
def begin(path, body, send, hdrs=""):
    s = socket.create_connection(("127.0.0.1", 18080))
    s.sendall(("PUT %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: %d\r\n%s\r\n" % (path, len(body), hdrs)).encode() + body[:send])
    return s, body[send:]
def curl(path):
    t = time.time()
    out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "PUT", "-H", "If-None-Match: *", "--data", "x", "http://127.0.0.1:18080" + path], capture_output=True, text=True).stdout
    return out, round(time.time() - t, 2)
h1 = begin("/hot.txt", b"AAAAaaaa", 4)
time.sleep(0.3)
h2 = begin("/hot.txt", b"BBBBbbbb", 8)
time.sleep(0.3)
for p in sys.argv[1:]:
    subprocess.run(["rm", "-f", "/tmp/zr/htdocs" + p])
    print(p, curl(p))
h1[0].sendall(h1[1]); print("h1", h1[0].recv(100)[:12]); print("h2", h2[0].recv(100)[:12])
