package jobs

import (
	"strings"
	"testing"
)

func TestSourceURLs(t *testing.T) {
	trusted := []string{"127.0.0.1:9418", "git.internal"}
	cases := []struct {
		kind, url string
		want      string // "" accepts; otherwise a substring of the error
	}{
		{"git", "https://git.example.com/shop.git", ""},
		{"git", "http://git.example.com:8080/shop.git", ""},
		{"git", "ssh://git@git.example.com/shop.git", ""},
		{"git", "git@git.example.com:team/shop.git", ""},
		{"git", "deploy@git.example.com:team/shop.git", ""},
		{"git", "http://127.0.0.1:9418/r.git", ""}, // trusted host:port
		{"git", "https://git.internal/r.git", ""},  // trusted host, any port
		{"git", "git@git.internal:r.git", ""},
		{"git", "http://127.0.0.1:9419/r.git", "loopback, link-local or private"},
		{"git", "https://-oProxyCommand=x/repo", "starts with '-'"},
		{"git", "git@-oProxyCommand=x:repo", "starts with '-'"},
		{"git", "ssh://-oProxyCommand=x@host/r.git", "plain name"},
		{"git", "https://user:pass@git.example.com/r.git", "credentials belong in secrets"},
		{"git", "https://token@github.com/r.git", "credentials belong in secrets"},
		{"git", "ssh://git:pw@git.example.com/r.git", "credentials belong in secrets"},
		{"git", "git:pw@git.example.com:r.git", "credentials belong in secrets"},
		{"git", "http://127.0.0.1:4646/x", "loopback"},
		{"git", "http://localhost/x.git", "loopback"},
		{"git", "http://LOCALHOST./x.git", "loopback"},
		{"git", "http://repo.localhost/x.git", "loopback"},
		{"git", "http://169.254.169.254/x", "loopback"},
		{"git", "http://[fe80::1]/x", "loopback"},
		{"git", "http://[::1]/x", "loopback"},
		{"git", "http://[::ffff:127.0.0.1]/x", "loopback"},
		{"git", "http://[fd00::1]/x", "loopback"},
		{"git", "http://10.1.2.3/x", "loopback"},
		{"git", "http://172.16.0.1/x", "loopback"},
		{"git", "http://192.168.0.1/x", "loopback"},
		{"git", "http://100.64.0.1/x", "loopback"},
		{"git", "http://0.0.0.0/x", "loopback"},
		{"git", "http://0/x", "loopback"},
		{"git", "http://2130706433/x", "loopback"},
		{"git", "http://0x7f000001/x", "loopback"},
		{"git", "http://127.1/x", "loopback"},
		{"git", "http://0177.0.0.1/x", "loopback"},
		{"git", "http://10.0x10000/x", "loopback"},
		{"git", "http://300.0.0.1/x", "not a valid one"},
		{"git", "git@192.168.1.1:r.git", "loopback"},
		{"git", "git@[::1]:r.git", "loopback"},
		{"git", "http://8.8.8.8/r.git", ""},
		{"git", "file:///etc", "use https://"},
		{"git", "https://h/r.git?ref=x", "not in the URL"},
		{"git", "https://h/r git", "space"},
		{"git", "https://h/r\n.git", "control character"},
		{"git", "https://h/" + strings.Repeat("r", 3000), "the limit is"},
		{"archive", "https://releases.example.com/a.tgz", ""},
		{"archive", "http://127.0.0.1:9418/a.tgz", ""},
		{"archive", "http://169.254.169.254/latest/a.tgz", "loopback"},
		{"archive", "https://u:p@releases.example.com/a.tgz", "credentials belong in secrets"},
		{"archive", "https://u@releases.example.com/a.tgz", "credentials belong in secrets"},
		{"archive", "https://-x/a.tgz", "starts with '-'"},
		{"archive", "https://releases.example.com/a.exe", "must end in one of"},
		{"archive", "ftp://releases.example.com/a.tgz", "http:// or https://"},
	}
	for _, c := range cases {
		t.Run(c.kind+" "+c.url, func(t *testing.T) {
			check := checkGitURL
			if c.kind == "archive" {
				check = checkArchiveURL
			}
			err := check(c.url, trusted)
			checkErr(t, err, c.want)
		})
	}
}

// Without trust, the exported checks refuse what a trusted host would pass.
func TestSourceURLsUntrusted(t *testing.T) {
	if err := CheckGitURL("http://127.0.0.1:9418/r.git"); err == nil || !strings.Contains(err.Error(), "--trusted-source-host") {
		t.Errorf("CheckGitURL: %v", err)
	}
	if err := CheckArchiveURL("http://127.0.0.1:9418/a.tgz"); err == nil {
		t.Error("CheckArchiveURL accepted a loopback address")
	}
}
