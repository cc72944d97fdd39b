package router

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"

	consul "github.com/hashicorp/consul/api"
	"golang.org/x/crypto/acme"
	"golang.org/x/crypto/acme/autocert"

	"github.com/hostctl/hostctl/router/routes"
)

// TLSConfig turns on the HTTPS listener. Certificates come from files
// (matched by SNI) and, with ACME, from an ACME CA through autocert, stored
// in Consul KV so every router shares them.
type TLSConfig struct {
	Listen string // empty: no HTTPS
	// CertFiles are "cert.pem:key.pem" pairs.
	CertFiles []string
	// ACMEDirectory is the CA's directory URL; empty: no ACME.
	ACMEDirectory string
	ACMEEmail     string
	// ACMERootCA is a PEM file to trust for the CA's own HTTPS (a test CA).
	ACMERootCA string
	// KVPrefix is where certificates live in Consul KV.
	KVPrefix string
}

func (c TLSConfig) build(ctx context.Context, cc *consul.Client, store *routes.Store, log *slog.Logger) (*tls.Config, error) {
	if c.Listen == "" {
		return nil, nil
	}
	var files []tls.Certificate
	for _, pair := range c.CertFiles {
		certFile, keyFile, ok := strings.Cut(pair, ":")
		if !ok {
			return nil, fmt.Errorf("certificate %q: want CERT:KEY", pair)
		}
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, err
		}
		files = append(files, cert)
	}
	var m *autocert.Manager
	if c.ACMEDirectory != "" {
		prefix := c.KVPrefix
		if prefix == "" {
			prefix = "hostctl/router/certs/"
		}
		client, err := acmeHTTPClient(c.ACMERootCA)
		if err != nil {
			return nil, err
		}
		m = &autocert.Manager{
			Prompt: autocert.AcceptTOS,
			Cache:  &kvCache{kv: cc.KV(), prefix: prefix},
			Email:  c.ACMEEmail,
			// Only hosts the table routes: anyone can send any SNI, and each
			// name asked for would otherwise cost an ACME order.
			HostPolicy: func(_ context.Context, host string) error {
				if !store.Load().HasHost(routes.NormalizeHost(host)) {
					return fmt.Errorf("acme: host %q is not routed here", host)
				}
				return nil
			},
			Client: &acme.Client{DirectoryURL: c.ACMEDirectory, HTTPClient: client},
		}
	}
	if len(files) == 0 && m == nil {
		return nil, errors.New("--tls-listen needs --tls-cert or --acme-directory")
	}
	cfg := &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"h2", "http/1.1", acme.ALPNProto},
		GetCertificate: func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
			for i := range files {
				if hello.SupportsCertificate(&files[i]) == nil {
					return &files[i], nil
				}
			}
			if m != nil {
				return m.GetCertificate(hello)
			}
			return nil, fmt.Errorf("no certificate for %q", hello.ServerName)
		},
	}
	log.Info("tls on", "listen", c.Listen, "cert_files", len(files), "acme", c.ACMEDirectory)
	return cfg, nil
}

func acmeHTTPClient(rootCA string) (*http.Client, error) {
	if rootCA == "" {
		return http.DefaultClient, nil
	}
	pem, err := os.ReadFile(rootCA)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s: no certificate", rootCA)
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}, nil
}

// kvCache stores autocert's account key and certificates in Consul KV, so
// routers share one certificate per host instead of each ordering its own
// (and hitting the CA's rate limits).
type kvCache struct {
	kv     *consul.KV
	prefix string
}

var _ autocert.Cache = (*kvCache)(nil)

func (c *kvCache) Get(ctx context.Context, key string) ([]byte, error) {
	p, _, err := c.kv.Get(c.prefix+key, (&consul.QueryOptions{}).WithContext(ctx))
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, autocert.ErrCacheMiss
	}
	return p.Value, nil
}

func (c *kvCache) Put(ctx context.Context, key string, data []byte) error {
	_, err := c.kv.Put(&consul.KVPair{Key: c.prefix + key, Value: data}, (&consul.WriteOptions{}).WithContext(ctx))
	return err
}

func (c *kvCache) Delete(ctx context.Context, key string) error {
	_, err := c.kv.Delete(c.prefix+key, (&consul.WriteOptions{}).WithContext(ctx))
	return err
}
