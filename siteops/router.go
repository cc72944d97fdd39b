package siteops

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// HTTPRouter is a hostctl router reached at URL (http://host:port).
type HTTPRouter struct {
	BaseURL string
	// Wait caps WaitRouted; zero means 15 s.
	Wait time.Duration
}

// WaitRouted waits until the router has learned the site from Consul, so
// the URL printed next works the moment the user pastes it. A 404, 502 or
// 503 means "not yet"; any other answer is the site's own.
func (r HTTPRouter) WaitRouted(ctx context.Context, host string) error {
	wait := r.Wait
	if wait == 0 {
		wait = 15 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	var last string
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodHead, r.BaseURL+"/", nil)
		if err != nil {
			return err
		}
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			switch resp.StatusCode {
			case http.StatusNotFound, http.StatusServiceUnavailable, http.StatusBadGateway:
				last = resp.Status
			default:
				return nil
			}
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the router at %s: last answer: %s", r.BaseURL, last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// URL is the address a browser can use: *.localhost names resolve to
// loopback in browsers and curl, other domains need DNS pointing at the
// router, which then listens on the same port.
func (r HTTPRouter) URL(host string) string {
	port := ""
	if i := strings.LastIndexByte(r.BaseURL, ':'); i > len("http://") {
		port = r.BaseURL[i:]
	}
	return "http://" + host + port + "/"
}

// Curl reaches host through the router without DNS.
func (r HTTPRouter) Curl(host string) string {
	return fmt.Sprintf("curl -H 'Host: %s' %s/", host, r.BaseURL)
}
