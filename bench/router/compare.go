package main

import (
	"fmt"
	"log"
	"os"
	"os/exec"
	"strconv"
	"time"
)

// proxyRun is one proxy at one CPU budget.
type proxyRun struct {
	proxy string
	cores int // 1, or 2 for all cores
	best  result
	all   []result
}

const comparePort = 18700

// compare runs each proxy at one core and at all cores, interleaving
// rounds so slow phases of the shared machine hit every proxy alike.
func (b *bench) compare(proxies []string) []*proxyRun {
	var runs []*proxyRun
	for _, cores := range []int{1, 2} {
		for _, p := range proxies {
			runs = append(runs, &proxyRun{proxy: p, cores: cores})
		}
	}
	for round := range b.rounds {
		for i, r := range runs {
			port := comparePort + 10*i
			addr := "127.0.0.1:" + strconv.Itoa(port)
			cmd := b.startProxy(r.proxy, port, r.cores)
			waitPort(addr)
			// Warm the keep-alive pools and the route table before measuring.
			if _, ok := waitStatus(httpClient, addr, siteHost(0), 200, 30*time.Second); !ok {
				fatalf("%s never answered 200", r.proxy)
			}
			b.warm(addr, siteHost(0), nil)
			stopProfile := func() {}
			if r.proxy == "hostctl" && round == 0 {
				stopProfile = b.profile(fmt.Sprintf("127.0.0.1:%d", port+1), fmt.Sprintf("compare-%d", r.cores))
			}
			cpu0 := cpuTime(cmd.Process.Pid)
			res := b.wrk(addr, siteHost(0), nil)
			res.cpu = cpuTime(cmd.Process.Pid) - cpu0
			stopProfile()
			b.stop(cmd)
			log.Printf("round %d %s cores=%d: %.0f req/s p50 %s p99 %s errors %d, CPU %.1f µs/request", round, r.proxy, r.cores, res.rps, res.p50, res.p99, res.errors, res.cpuPerRequest())
			r.all = append(r.all, res)
			if res.rps > r.best.rps {
				r.best = res
			}
		}
	}
	return runs
}

func (b *bench) startProxy(name string, port, cores int) *exec.Cmd {
	listen := "127.0.0.1:" + strconv.Itoa(port)
	portFree(listen)
	tag := fmt.Sprintf("%s-%d", name, cores)
	switch name {
	case "hostctl":
		cmd, _ := b.router(tag, port, cores)
		return cmd
	case "nginx":
		conf := fmt.Sprintf(`worker_processes %d;
daemon off;
pid %s;
error_log %s;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  upstream site { server %s; keepalive 128; }
  server {
    listen %s;
    location / {
      proxy_pass http://site;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $host;
    }
  }
}
`, cores, b.path(tag+".pid"), b.path(tag+".err"), b.backend, listen)
		f := b.path(tag + ".conf")
		check(os.WriteFile(f, []byte(conf), 0o644))
		return b.start(tag, nil, "nginx", "-c", f)
	case "haproxy":
		conf := fmt.Sprintf(`global
  nbthread %d
defaults
  mode http
  timeout connect 5s
  timeout client 60s
  timeout server 60s
  option http-keep-alive
  http-reuse always
frontend web
  bind %s
  option forwardfor
  http-request set-header X-Forwarded-Proto http
  http-request set-header X-Forwarded-Host %%[req.hdr(host)]
  default_backend site
backend site
  server s1 %s
`, cores, listen, b.backend)
		f := b.path(tag + ".cfg")
		check(os.WriteFile(f, []byte(conf), 0o644))
		return b.start(tag, nil, "haproxy", "-db", "-f", f)
	case "caddy":
		conf := fmt.Sprintf(`{
	admin off
	auto_https off
}
http://%s {
	reverse_proxy %s
}
`, listen, b.backend)
		f := b.path(tag + ".Caddyfile")
		check(os.WriteFile(f, []byte(conf), 0o644))
		return b.start(tag, []string{"GOMAXPROCS=" + strconv.Itoa(cores), "HOME=" + b.work, "XDG_DATA_HOME=" + b.work, "XDG_CONFIG_HOME=" + b.work},
			"caddy", "run", "--adapter", "caddyfile", "--config", f)
	}
	fatalf("unknown proxy %q", name)
	return nil
}
