package router

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	consul "github.com/hashicorp/consul/api"

	"github.com/hostctl/hostctl/internal/testkit"
	"github.com/hostctl/hostctl/router/consulwatch"
	"github.com/hostctl/hostctl/router/internal/consultest"
)

// pebbleVersion is the ACME test server built from the Go module proxy.
const pebbleVersion = "v2.10.1"

// startPebble builds and runs Let's Encrypt's pebble on a free port and
// returns its directory URL and the CA file to trust for its own HTTPS.
// Validation is switched off (PEBBLE_VA_ALWAYS_VALID): pebble cannot reach
// a made-up domain, and the challenge itself is autocert's, not ours.
func startPebble(t *testing.T) (dir, rootCA string) {
	t.Helper()
	bin := t.TempDir()
	install := exec.Command("go", "install", "github.com/letsencrypt/pebble/v2/cmd/pebble@"+pebbleVersion)
	install.Env = append(os.Environ(), "GOBIN="+bin)
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("building pebble: %v\n%s", err, out)
	}
	modDir, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	certs := filepath.Join(strings.TrimSpace(string(modDir)), "github.com/letsencrypt/pebble/v2@"+pebbleVersion, "test/certs")
	port, mgmt := testkit.FreeLoopbackPort(t), testkit.FreeLoopbackPort(t)
	cfg := map[string]any{"pebble": map[string]any{
		"listenAddress": "127.0.0.1:" + strconv.Itoa(port), "managementListenAddress": "127.0.0.1:" + strconv.Itoa(mgmt),
		"certificate": filepath.Join(certs, "localhost/cert.pem"), "privateKey": filepath.Join(certs, "localhost/key.pem"),
		"httpPort": 5002, "tlsPort": 5001, "ocspResponderURL": "", "externalAccountBindingRequired": false,
	}}
	b, _ := json.Marshal(cfg)
	cfgFile := filepath.Join(bin, "pebble.json")
	if err := os.WriteFile(cfgFile, b, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(bin, "pebble"), "-config", cfgFile)
	cmd.Env = append(os.Environ(), "PEBBLE_VA_ALWAYS_VALID=1", "PEBBLE_VA_NOSLEEP=1", "PEBBLE_WFE_NONCEREJECT=0")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	waitListening(t, "127.0.0.1:"+strconv.Itoa(port))
	return fmt.Sprintf("https://127.0.0.1:%d/dir", port), filepath.Join(certs, "pebble.minica.pem")
}

func waitListening(t *testing.T, addr string) {
	t.Helper()
	for range 300 {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never listened", addr)
}

type runningRouter struct{ plain, admin, tls string }

func startRouter(t *testing.T, consulAddr string, tlsCfg TLSConfig) runningRouter {
	t.Helper()
	r := runningRouter{
		plain: "127.0.0.1:" + strconv.Itoa(testkit.FreeLoopbackPort(t)),
		admin: "127.0.0.1:" + strconv.Itoa(testkit.FreeLoopbackPort(t)),
		tls:   "127.0.0.1:" + strconv.Itoa(testkit.FreeLoopbackPort(t)),
	}
	tlsCfg.Listen = r.tls
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		// The test's backends listen on kernel-chosen ports, outside
		// Nomad's range that the router trusts by default.
		done <- Run(ctx, Config{Listen: r.plain, AdminListen: r.admin, ConsulAddr: consulAddr,
			Log: slog.New(slog.NewTextHandler(io.Discard, nil)), TLS: tlsCfg,
			BackendPorts: consulwatch.PortRange{Min: 1, Max: 65535}})
	}()
	t.Cleanup(func() { cancel(); <-done })
	waitListening(t, r.admin)
	return r
}

func waitRouted(t *testing.T, plain, host string, want int) {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for range 200 {
		req, _ := http.NewRequest("GET", "http://"+plain+"/", nil)
		req.Host = host
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == want {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never answered %d for %s", plain, want, host)
}

func handshake(addr, sni string) (*x509.Certificate, error) {
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 30 * time.Second}, "tcp", addr,
		&tls.Config{ServerName: sni, InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}})
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.ConnectionState().PeerCertificates[0], nil
}

// TestTLS runs the router against a real Consul and a real ACME server:
// a routed host gets a certificate on its first handshake, the certificate
// lands in Consul KV, and a second router with no working CA serves the
// same one from there. Unrouted names get none, certificate files are
// served by SNI, and a site marked HTTPS-only is redirected.
func TestTLS(t *testing.T) {
	a := consultest.Start(t)
	dir, rootCA := startPebble(t)
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "tls-site proto=%s", r.Header.Get("X-Forwarded-Proto"))
	}))
	defer backend.Close()
	port, _ := strconv.Atoi(strings.TrimPrefix(backend.URL, "http://127.0.0.1:"))
	a.Register("n1", "shop", "shop-1", port, consul.HealthPassing,
		map[string]string{"hostctl_domains": "shop.test", "hostctl_https": "redirect"})
	a.Register("n1", "files", "files-1", port, consul.HealthPassing, map[string]string{"hostctl_domains": "files.test"})
	certFile, keyFile := selfSigned(t, "files.test")

	r1 := startRouter(t, a.Addr, TLSConfig{ACMEDirectory: dir, ACMERootCA: rootCA, CertFiles: []string{certFile + ":" + keyFile}})
	waitRouted(t, r1.plain, "files.test", 200)

	cert, err := handshake(r1.tls, "shop.test")
	if err != nil {
		t.Fatalf("ACME handshake: %v", err)
	}
	if !strings.Contains(cert.Issuer.CommonName, "Pebble") || len(cert.DNSNames) != 1 || cert.DNSNames[0] != "shop.test" {
		t.Fatalf("certificate for shop.test: issuer %q, names %v", cert.Issuer.CommonName, cert.DNSNames)
	}
	keys, _, err := a.Client.KV().Keys("hostctl/router/certs/", "", nil)
	if err != nil || !containsPrefix(keys, "hostctl/router/certs/shop.test") {
		t.Fatalf("certificate not stored in Consul KV: %v %v", keys, err)
	}
	if _, err := handshake(r1.tls, "unrouted.test"); err == nil {
		t.Error("a certificate was issued for a host no site claims")
	}
	if fc, err := handshake(r1.tls, "files.test"); err != nil || fc.Subject.CommonName != "files.test" {
		t.Errorf("certificate file for files.test: %v %v", fc, err)
	}

	// HTTPS through the router, then the redirect from plain HTTP.
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true, ServerName: "shop.test"}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("GET", "https://"+r1.tls+"/cart", nil)
	req.Host = "shop.test"
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "tls-site proto=https" {
		t.Errorf("over HTTPS: %d %q", resp.StatusCode, body)
	}
	req, _ = http.NewRequest("GET", "http://"+r1.plain+"/cart?x=1", nil)
	req.Host = "shop.test"
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	_, tlsPort, _ := net.SplitHostPort(r1.tls)
	if want := "https://shop.test:" + tlsPort + "/cart?x=1"; resp.StatusCode != http.StatusPermanentRedirect || resp.Header.Get("Location") != want {
		t.Errorf("plain HTTP to an HTTPS-only site: %d %q, want 308 %q", resp.StatusCode, resp.Header.Get("Location"), want)
	}

	// A second router whose CA is unreachable shares the first one's
	// certificate through Consul.
	r2 := startRouter(t, a.Addr, TLSConfig{ACMEDirectory: "https://127.0.0.1:1/dir", ACMERootCA: rootCA})
	waitRouted(t, r2.plain, "files.test", 200)
	cert2, err := handshake(r2.tls, "shop.test")
	if err != nil {
		t.Fatalf("second router: %v", err)
	}
	if cert2.SerialNumber.Cmp(cert.SerialNumber) != 0 {
		t.Error("second router did not serve the certificate stored in Consul")
	}
}

func containsPrefix(keys []string, p string) bool {
	for _, k := range keys {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

func selfSigned(t *testing.T, name string) (certFile, keyFile string) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	_ = os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	_ = os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return certFile, keyFile
}
