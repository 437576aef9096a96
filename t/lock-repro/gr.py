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

import socket, time, subprocess, sys, os
def begin(path, body, send):
    s = socket.create_connection(("127.0.0.1", 18080))
    s.sendall(("PUT %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % (path, len(body))).encode() + body[:send])
    return s, body[send:]
h1 = begin("/hot.txt", b"AAAAaaaa", 4)
time.sleep(0.5)
env = dict(os.environ, ZRLOCK=sys.argv[1])
subprocess.run(["apache2", "-f", "/tmp/zr/httpd.conf", "-k", "graceful"], env=env)
time.sleep(2)
t = time.time()
out = subprocess.run(["curl", "-s", "-m", "20", "-o", "/dev/null", "-w", "%{http_code}", "-X", "PUT", "--data", "BBBBbbbb", "http://127.0.0.1:18080/hot.txt"], capture_output=True, text=True).stdout
print("new-generation writer:", out, "after", round(time.time() - t, 2), "s (holder still holding)")
h1[0].sendall(h1[1]); print("h1", h1[0].recv(100)[:12])
print(open("/tmp/zr/htdocs/hot.txt").read())
