"""A site for the sleeping-site tests: it says which instance answered
and which run of its release step made its release.txt, streams for as long as asked (/stream?s=N), and holds a websocket open
(/ws) by answering the upgrade itself on gunicorn's socket.
"""
import base64
import hashlib
import os
import time
from urllib.parse import parse_qs

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def application(environ, start_response):
    path = environ.get("PATH_INFO")
    if path == "/ws":
        return websocket(environ, start_response)
    if path == "/stream":
        seconds = int(parse_qs(environ.get("QUERY_STRING", "")).get("s", ["5"])[0])
        start_response("200 OK", [("Content-Type", "text/plain")])
        return stream(seconds)
    try:
        with open("release.txt") as f:
            release = f.read().strip()
    except OSError:
        release = "none"
    body = (
        f"site={os.environ.get('HOSTCTL_SITE', '?')} "
        f"alloc={os.environ.get('NOMAD_ALLOC_ID', '?')[:8]} release={release}\n"
    ).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def stream(seconds):
    for i in range(seconds):
        yield f"tick {i}\n".encode()
        time.sleep(1)


def websocket(environ, start_response):
    # gunicorn hands a WSGI app no upgrade API; answering the handshake on
    # the raw socket is enough for the router, which only relays bytes.
    sock = environ["gunicorn.socket"]
    key = environ.get("HTTP_SEC_WEBSOCKET_KEY", "")
    accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
    sock.sendall(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + f"Sec-WebSocket-Accept: {accept}\r\n\r\n".encode()
    )
    sock.settimeout(120)
    try:
        while sock.recv(4096):
            pass
    except OSError:
        pass
    sock.close()
    start_response("200 OK", [])
    return []
