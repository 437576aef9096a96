import socket, time, subprocess
def begin(port, path, body, send):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(("PUT %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % (path, len(body))).encode() + body[:send])
    return s, body[send:]
h1 = begin(18080, "/hot.txt", b"AAAAaaaa", 4)
time.sleep(0.5)
t = time.time()
out = subprocess.run(["curl", "-s", "-m", "20", "-o", "/dev/null", "-w", "%{http_code}", "-X", "PUT", "--data", "BBBBbbbb", "http://127.0.0.1:18081/hot.txt"], capture_output=True, text=True).stdout
print("server 2 writer:", out, "after", round(time.time() - t, 2), "s while server 1 holds")
h1[0].sendall(h1[1]); print("h1", h1[0].recv(100)[:12])
