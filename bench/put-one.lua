-- wrk: PUTs with If-Match: * to one resource, /docs/fair.txt: every
-- connection is a writer that, answered, writes again at once (part 5).
wrk.method = "PUT"
wrk.path = "/docs/fair.txt"
wrk.body = "fair\n"
wrk.headers["Content-Type"] = "text/plain"
wrk.headers["If-Match"] = "*"
