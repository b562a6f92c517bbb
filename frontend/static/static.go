// Package static serves the portal's assets from the binary: htmx (pinned,
// never from a CDN), live.js and the stylesheet.
package static

import (
	"embed"
	"net/http"
)

//go:embed *.js *.css *.svg icons/*.svg
var files embed.FS

// HTMX is the path of the pinned htmx build; the version in the name lets
// browsers cache it forever.
const HTMX = "/static/htmx-2.0.11.min.js"

// Live is the path of the script that keeps a run page current from its
// Server-Sent Events stream.
const Live = "/static/live.js"

// Form is the path of the script that initialises the execute form's
// fields the server swaps in when the form is re-evaluated.
const Form = "/static/form.js"

// Confirm is the path of the script that asks before a form marked
// data-confirm is sent.
const Confirm = "/static/confirm.js"

// Favicon is the path of the site's icon.
const Favicon = "/static/favicon.svg"

// CSS is the path of the stylesheet.
const CSS = "/static/slipway.css"

// Handler serves the assets under /static/.
func Handler() http.Handler {
	fs := http.StripPrefix("/static/", http.FileServerFS(files))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		fs.ServeHTTP(w, r)
	})
}
