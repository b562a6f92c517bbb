package frontend

import (
	"net/url"
	"testing"
)

// TestSafeNextKeepsRedirectsOnThisSite feeds post-login redirect targets that
// browsers resolve to another origin (tab and newline stripped, backslash read
// as a slash, percent-encoded variants) and checks each falls back to "/",
// while ordinary portal paths pass through unchanged.
func TestSafeNextKeepsRedirectsOnThisSite(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ next, want string }{
		// Same-site paths are kept as they are.
		{"/runs", "/runs"},
		{"/runs/0a1b?x=1&y=a%2Fb", "/runs/0a1b?x=1&y=a%2Fb"},
		{"/catalog/service/a%2Bb", "/catalog/service/a%2Bb"},
		{"/@evil.example", "/@evil.example"}, // a path on this site, not a userinfo
		{"/self-service/deploy?entity=a+b#top", "/self-service/deploy?entity=a+b#top"},

		// Everything else goes home.
		{"", "/"},
		{"runs", "/"},
		{"//evil.example/phish", "/"},
		{"///evil.example/phish", "/"},
		{"////evil.example", "/"},
		{"/\\evil.example/phish", "/"},
		{"\\\\evil.example", "/"},
		{"/\t/evil.example/phish", "/"},
		{"/%09/evil.example/phish", "/"},
		{"/\n/evil.example", "/"},
		{"/%0a/evil.example", "/"},
		{"/%0D/evil.example", "/"},
		{"\t//evil.example", "/"},
		{" //evil.example", "/"},
		{"/%5Cevil.example", "/"},
		{"/%5cevil.example", "/"},
		{"/%2F/evil.example", "/"},
		{"/%2f%2fevil.example", "/"},
		{"/./evil.example", "/"},
		{"/.//evil.example", "/"},
		{"/../evil.example", "/"},
		{"/runs/../..//evil.example", "/"},
		{"https://evil.example/", "/"},
		{"http:evil.example", "/"},
		{"HTTPS://evil.example", "/"},
		{"javascript:alert(1)", "/"},
		{"JavaScript:alert(1)", "/"},
		{"data:text/html,hi", "/"},
		{"//user@evil.example", "/"},
		{"/\x00/evil.example", "/"},
		{"/%00/evil.example", "/"},
		{"/\x7f/evil.example", "/"},
		{"/runs\u2028x", "/"}, // a line separator is white space a browser may drop
	} {
		got := safeNext(tc.next)
		if got != tc.want {
			t.Errorf("safeNext(%q) = %q, want %q", tc.next, got, tc.want)
		}
		// Whatever it answers, a browser resolving it stays on this site.
		base, _ := url.Parse("https://slipway.example/login")
		ref, err := url.Parse(got)
		if err != nil || base.ResolveReference(ref).Host != "slipway.example" {
			t.Errorf("safeNext(%q) = %q leaves the site", tc.next, got)
		}
	}
}
