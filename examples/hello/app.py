"""The smallest site hostctl hosts: a plain WSGI callable, no framework.

It reports which instance answered, so a test or a curl through the router
can see requests land on the platform's gunicorn rather than anywhere else.
"""
import os


def application(environ, start_response):
    if environ.get("PATH_INFO") == "/healthz":
        body = b"ok\n"
    else:
        body = (
            "Hello from hostctl!\n"
            f"site={os.environ.get('HOSTCTL_SITE', '?')} "
            f"alloc={os.environ.get('NOMAD_ALLOC_ID', '?')[:8]} "
            f"host={environ.get('HTTP_HOST', '')}\n"
        ).encode()
    start_response("200 OK", [
        ("Content-Type", "text/plain; charset=utf-8"),
        ("Content-Length", str(len(body))),
    ])
    return [body]
