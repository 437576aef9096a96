-- wrk: an unconditional PUT, the request a guard answers with 428.
-- The body is small, so the server reads it and keeps the connection.
wrk.method = "PUT"
wrk.path = "/docs/put.txt"
wrk.body = "unconditional write\n"
wrk.headers["Content-Type"] = "text/plain"
