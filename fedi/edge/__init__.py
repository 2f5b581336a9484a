"""The HTTP edge that every face (federation, client API, web pages) shares.

Request bodies are read only through `fedi.edge.bodies` (sizes, time limits, malformed
forms and JSON become a 400), redirect targets that come from a request pass
`fedi.edge.redirects`, and `fedi.edge.middleware` refuses unusable requests and unsafe
response headers before any face sees them. `fedi.edge.limits` holds the server-level
limits on slow clients. Nothing here knows about services or storage.
"""
