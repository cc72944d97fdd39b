package cli

import "testing"

func TestLocalJWKSURL(t *testing.T) {
	cases := []struct {
		name, nomadAddr, want string
		ok                    bool
	}{
		{"a server's public HTTPS address", "https://203.0.113.7:4646", "https://127.0.0.1:4646/.well-known/jwks.json", true},
		{"another port", "https://nomad.example.com:14646", "https://127.0.0.1:14646/.well-known/jwks.json", true},
		{"plain HTTP without a port", "http://nomad.example.com", "http://127.0.0.1:4646/.well-known/jwks.json", true},
		{"no scheme", "127.0.0.1:4646", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := localJWKSURL(c.nomadAddr)
			if (err == nil) != c.ok || got != c.want {
				t.Errorf("localJWKSURL(%q) = %q, %v; want %q ok=%v", c.nomadAddr, got, err, c.want, c.ok)
			}
		})
	}
}
