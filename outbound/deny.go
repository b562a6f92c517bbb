// Package outbound guards the HTTP calls Slipway makes on a definition's
// behalf (backend webhooks, notification webhooks): the operator's deny
// list (SLIPWAY_OUTBOUND_DENY) of addresses they may not connect to,
// enforced on the address actually dialled, so that a hostname resolving to
// a denied address, DNS rebinding or a redirect cannot get past it.
package outbound

import (
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strings"
)

// Defaults of SLIPWAY_OUTBOUND_DENY. `slipway dev` allows loopback: its
// demo backend, and the backends people try it with, are on 127.0.0.1.
const (
	DefaultProduction = "loopback,unspecified,link-local,metadata"
	DefaultDev        = "unspecified,link-local,metadata"
)

// groups are the names a deny list may use instead of CIDRs.
var groups = map[string][]netip.Prefix{
	"loopback": prefixes("127.0.0.0/8", "::1/128"),
	// 0.0.0.0 and :: reach the local host when dialled.
	"unspecified": prefixes("0.0.0.0/8", "::/128"),
	"link-local":  prefixes("169.254.0.0/16", "fe80::/10"),
	"private":     prefixes("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"),
	// Cloud instance metadata: AWS, GCP and Azure (169.254.169.254; GCP's
	// metadata.google.internal resolves to it), AWS over IPv6, Alibaba, Oracle.
	"metadata": prefixes("169.254.169.254/32", "fd00:ec2::254/128", "100.100.100.200/32", "192.0.0.192/32"),
}

// descriptions say what a group's addresses are, for errors.
var descriptions = map[string]string{
	"loopback": "a loopback address", "unspecified": "an unspecified address", "link-local": "a link-local address",
	"private": "a private address", "metadata": "a cloud metadata address",
}

func prefixes(cidrs ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(cidrs))
	for i, c := range cidrs {
		out[i] = netip.MustParsePrefix(c)
	}
	return out
}

// DenyList is the set of addresses outbound calls may not reach. A nil or
// empty list denies nothing.
type DenyList struct {
	rules []rule
	spec  string
}

// rule is one prefix and the class an error names: the group it came from,
// or the CIDR or address as the operator wrote it.
type rule struct {
	prefix netip.Prefix
	class  string
}

// Parse reads a comma-separated list of CIDRs ("10.0.0.0/8"), single
// addresses ("192.0.2.7", "fd00:ec2::254") and group names (loopback,
// unspecified, link-local, private, metadata). An empty spec denies nothing.
func Parse(spec string) (*DenyList, error) {
	d := &DenyList{}
	var bad []string
	var kept []string
	for item := range strings.SplitSeq(spec, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if ps, ok := groups[strings.ToLower(item)]; ok {
			item = strings.ToLower(item)
			for _, p := range ps {
				d.rules = append(d.rules, rule{p, item})
			}
		} else if p, err := parsePrefix(item); err == nil {
			d.rules = append(d.rules, rule{p, item})
		} else {
			bad = append(bad, fmt.Sprintf("%q", item))
			continue
		}
		kept = append(kept, item)
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("%s: not a CIDR, an IP address or one of %s", strings.Join(bad, ", "), strings.Join(GroupNames(), ", "))
	}
	// The narrowest rule names the class: 169.254.169.254 is "metadata"
	// before it is "link-local".
	slices.SortStableFunc(d.rules, func(a, b rule) int { return b.prefix.Bits() - a.prefix.Bits() })
	d.spec = strings.Join(kept, ",")
	return d, nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// GroupNames lists the names Parse knows, sorted.
func GroupNames() []string {
	names := make([]string, 0, len(groups))
	for n := range groups {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// MustParse is Parse for constants and tests.
func MustParse(spec string) *DenyList {
	d, err := Parse(spec)
	if err != nil {
		panic(err)
	}
	return d
}

// String is the list as parsed, for logs ("" denies nothing).
func (d *DenyList) String() string {
	if d == nil {
		return ""
	}
	return d.spec
}

// Check returns a *DeniedError when ip is denied.
func (d *DenyList) Check(ip netip.Addr) error {
	if d == nil {
		return nil
	}
	// A zone (fe80::1%eth0) would make every prefix miss; an IPv4-mapped
	// address (::ffff:127.0.0.1) reaches its IPv4 address.
	bare := ip.WithZone("").Unmap()
	for _, r := range d.rules {
		if r.prefix.Contains(bare) {
			return &DeniedError{Addr: ip, Class: r.class}
		}
	}
	return nil
}

// CheckURL refuses a URL whose host is a literal denied IP address, for
// definitions as they are written. Hostnames pass: what they resolve to is
// checked when they are dialled.
func (d *DenyList) CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return nil // not this check's business: URL validation reports it
	}
	ip, err := netip.ParseAddr(u.Hostname())
	if err != nil {
		return nil
	}
	return d.Check(ip)
}

// DeniedError is a connection the deny list refused. Retrying cannot help:
// only the operator's setting can change the answer.
type DeniedError struct {
	Addr netip.Addr
	// Class is the group (loopback, metadata...) or the CIDR that denied it.
	Class string
}

func (e *DeniedError) Error() string {
	return fmt.Sprintf("connection to %s refused: %s", e.Addr, e.Reason())
}

// Reason says why, naming the address and its class: "169.254.169.254 is a
// cloud metadata address, which SLIPWAY_OUTBOUND_DENY denies".
func (e *DeniedError) Reason() string {
	what, ok := descriptions[e.Class]
	if !ok {
		what = "in " + e.Class
	}
	return fmt.Sprintf("%s is %s, which SLIPWAY_OUTBOUND_DENY denies", e.Addr, what)
}
