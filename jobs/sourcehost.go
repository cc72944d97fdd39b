package jobs

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// Ranges a source may not be fetched from besides those net.IP knows
// (loopback, link-local, private, unspecified): Nomad fetches sources on
// the cluster's nodes, where these reach the node itself, the cloud's
// metadata service or the platform's own network.
var forbiddenNets = func() []*net.IPNet {
	var out []*net.IPNet
	for _, c := range []string{"0.0.0.0/8", "100.64.0.0/10", "fec0::/10"} {
		_, n, _ := net.ParseCIDR(c)
		out = append(out, n)
	}
	return out
}()

// checkSourceHost refuses hosts that are options rather than hosts, and
// addresses inside the cluster, unless the operator trusts host or
// host:port (hostport).
func checkSourceHost(host, hostport string, trusted []string) error {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	switch {
	case h == "":
		return fmt.Errorf("the URL has no host")
	case strings.HasPrefix(h, "-"):
		return fmt.Errorf("host %q starts with '-', which git or ssh would read as an option", host)
	}
	for _, t := range trusted {
		if t = strings.ToLower(t); t == h || t == strings.ToLower(hostport) {
			return nil
		}
	}
	private := h == "localhost" || strings.HasSuffix(h, ".localhost")
	if ip, numeric := hostIP(h); numeric {
		if ip == nil {
			return fmt.Errorf("host %q looks like an IP address but is not a valid one", host)
		}
		private = private || internalIP(ip)
	}
	if private {
		return fmt.Errorf("host %s is loopback, link-local or private: sources are fetched on the cluster's nodes, where it would reach the platform itself (an operator can allow it with --trusted-source-host)", hostport)
	}
	return nil
}

// hostIP reads h the way git and curl's resolvers do, inet_aton included
// ("127.1", "0x7f000001" and "2130706433" are all 127.0.0.1). numeric says
// h is an address rather than a name; ip is nil when it is not a valid one.
func hostIP(h string) (ip net.IP, numeric bool) {
	if ip := net.ParseIP(strings.Trim(h, "[]")); ip != nil {
		return ip, true
	}
	labels := strings.Split(h, ".")
	if !hexNumberRE.MatchString(labels[len(labels)-1]) {
		return nil, false
	}
	if len(labels) > 4 {
		return nil, true
	}
	var parts []uint64
	for _, l := range labels {
		n, err := strconv.ParseUint(l, 0, 32)
		if err != nil {
			return nil, true
		}
		parts = append(parts, n)
	}
	// The last part fills the bytes the others leave: a.b.c.d, a.b.cd,
	// a.bcd, abcd.
	var v uint64
	for i, p := range parts[:len(parts)-1] {
		if p > 255 {
			return nil, true
		}
		v |= p << (24 - 8*i)
	}
	last := parts[len(parts)-1]
	if last >= 1<<(8*(5-len(parts))) {
		return nil, true
	}
	v |= last
	return net.IPv4(byte(v>>24), byte(v>>16), byte(v>>8), byte(v)), true
}

func internalIP(ip net.IP) bool {
	if ip.IsLoopback() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() ||
		ip.IsUnspecified() || ip.IsPrivate() {
		return true
	}
	for _, n := range forbiddenNets {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}
