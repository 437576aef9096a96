-- wrk: conditional PUTs to RP_FILES distinct resources /docs/ser/f<i>.txt,
-- in turn. Every file holds the same bytes and every PUT writes them
-- again, so with FileETag Digest the strong ETag RP_ETAG stays current and
-- each PUT succeeds (204) without two requests ever aiming at one file
-- at once.
local files = tonumber(os.getenv("RP_FILES") or "1000")
local etag = os.getenv("RP_ETAG") or error("RP_ETAG is not set")
local i = 0

wrk.method = "PUT"
wrk.body = "serialize bench\n"
wrk.headers["Content-Type"] = "text/plain"
wrk.headers["If-Match"] = etag

request = function()
    i = (i + 1) % files
    return wrk.format(nil, "/docs/ser/f" .. i .. ".txt")
end
