package frontend

import "github.com/slipwayhq/slipway/weburl"

// maxNextLen bounds a post-login target; real portal paths are far shorter.
const maxNextLen = 2048

// safeNext keeps post-login redirects on this site: it returns next when it
// is a plain path on this origin (weburl.SameSitePath), else "/".
func safeNext(next string) string {
	if len(next) > maxNextLen || !weburl.SameSitePath(next) {
		return "/"
	}
	return next
}
