"""A deliberately nosy WSGI app for the isolation tests: it tries whatever
file operation the query asks for and reports what the kernel said. Never
deploy it anywhere real."""
import json
import os
from urllib.parse import parse_qs


def attempt(op, path, data):
    if op == "read":
        with open(path, "rb") as f:
            f.read()
    elif op == "list":
        os.listdir(path)
    elif op == "write":
        with open(path, "w") as f:
            f.write(data)
    elif op == "env":
        return json.dumps({k: v for k, v in os.environ.items() if k.startswith("NOMAD_")})
    elif op == "getenv":
        return os.environ.get(path, "<unset>")
    elif op == "id":
        return f"{os.getuid()} {os.getgid()} {sorted(os.getgroups())}"
    else:
        return "unknown op"
    return "ok"


def application(environ, start_response):
    q = parse_qs(environ.get("QUERY_STRING", ""))
    get = lambda k: q.get(k, [""])[0]
    try:
        body = attempt(get("op"), get("path"), get("data"))
    except OSError as e:
        body = "denied: " + (e.strerror or str(e))
    body = body.encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
