"""A deliberately nosy WSGI app for the isolation and attack tests: it
tries whatever the query asks for (a file operation, a bind, a request to
the node's own services) and reports what the kernel or the server said.
It is the hostile tenant of integration/attacks_test.go. Never deploy it
anywhere real."""
import json
import os
import signal
import socket
import tempfile
import urllib.error
import urllib.request
from urllib.parse import parse_qs


def bind(port, mptcp):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 262 if mptcp else 0)
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        s.listen(1)
    finally:
        s.close()


def http(method, url, data, headers):
    req = urllib.request.Request(url, data=data.encode() if data else None, method=method)
    for line in headers.splitlines():
        k, _, v = line.partition(":")
        if k:
            req.add_header(k.strip(), v.strip())
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return "%d %s" % (r.status, r.read(4096).decode(errors="replace"))
    except urllib.error.HTTPError as e:
        return "%d %s" % (e.code, e.read(4096).decode(errors="replace"))
    except urllib.error.URLError as e:
        raise OSError(str(e.reason))


def attempt(op, path, data, environ, headers):
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
    elif op == "symlink":
        os.symlink(data, path)
    elif op == "rename":
        os.rename(path, data)
    elif op == "bind":
        bind(int(path), data == "mptcp")
    elif op == "atomic":
        # What apps that write atomically do: a temp dir next to the target,
        # then one rename into place.
        tmp = tempfile.mkdtemp(dir=path)
        with open(os.path.join(tmp, "f"), "w") as f:
            f.write(data)
        os.rename(tmp, os.path.join(path, "renamed-" + os.path.basename(tmp)))
    elif op in ("get", "put"):
        return http(op.upper(), path, data, headers)
    elif op == "headers":
        return json.dumps({k: v for k, v in environ.items() if isinstance(v, str) and k.startswith("HTTP_") or k == "wsgi.url_scheme"})
    elif op == "probes":
        # The control-plane probes (probes.py), from inside gunicorn.
        import probes
        os.environ["NEIGHBOUR_ALLOC"] = path
        return json.dumps(probes.probes(), sort_keys=True)
    elif op == "stop-master":
        # A deliberate crash: gunicorn's master stops, the task exits and
        # Nomad restarts it in the same allocation.
        os.kill(os.getppid(), signal.SIGTERM)
    else:
        return "unknown op"
    return "ok"


def application(environ, start_response):
    q = parse_qs(environ.get("QUERY_STRING", ""))
    get = lambda k: q.get(k, [""])[0]
    try:
        body = attempt(get("op"), get("path"), get("data"), environ, get("headers"))
    except OSError as e:
        body = "denied: " + (e.strerror or str(e))
    body = body.encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
