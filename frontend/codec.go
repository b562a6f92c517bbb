package frontend

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/secrets"
)

// maxCodecBody bounds one codec request; the UI sends a page of history
// payloads at a time, each at most Temporal's 2 MB blob limit.
const maxCodecBody = 16 << 20

// codecServer is Temporal's remote codec protocol (POST .../encode and
// .../decode of {"payloads": [...]}) for the Temporal Web UI and CLI, so
// operators read runs there while the history stays ciphertext. Admins
// only, by API token or portal session; the UI's origin may call it from
// the browser. Secret inputs stay sealed after decoding: they are
// encrypted field by field before they reach any payload.
func (s *Server) codecServer(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if s.allowCodecOrigin(w, r) && r.Method == http.MethodOptions {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST, OPTIONS")
		http.Error(w, "use POST", http.StatusMethodNotAllowed)
		return
	}
	op := strings.TrimPrefix(r.URL.Path, "/codec/")
	if op != "encode" && op != "decode" {
		http.NotFound(w, r)
		return
	}
	if code, msg := s.codecCaller(r); code != 0 {
		http.Error(w, msg, code)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxCodecBody))
	if err != nil {
		http.Error(w, "the body is too large or unreadable", http.StatusRequestEntityTooLarge)
		return
	}
	var in commonpb.Payloads
	if err := protojson.Unmarshal(body, &in); err != nil {
		http.Error(w, `the body must be JSON {"payloads": [...]}`, http.StatusBadRequest)
		return
	}
	convert := s.Codec.Decode
	if op == "encode" {
		convert = s.Codec.Encode
	}
	out, err := convert(in.GetPayloads())
	if err != nil {
		s.Logger.Warn("codec request failed", "op", op, "err", err)
		http.Error(w, codecErrorMessage(err), http.StatusBadRequest)
		return
	}
	resp, err := protojson.Marshal(&commonpb.Payloads{Payloads: out})
	if err != nil {
		s.Logger.Error("codec response", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(resp)
}

// codecCaller admits admins; it returns a status and message otherwise.
func (s *Server) codecCaller(r *http.Request) (int, string) {
	var user slipway.User
	ok := false
	if header := r.Header.Get("Authorization"); header != "" {
		token, isBearer := bearerToken(header)
		if !isBearer {
			return http.StatusUnauthorized, "send Authorization: Bearer <API token>"
		}
		u, err := s.Identity.AuthenticateToken(r.Context(), token)
		if err != nil {
			return http.StatusUnauthorized, "invalid API token"
		}
		user, ok = u, true
	} else {
		user, ok = s.sessionUser(r)
	}
	switch {
	case !ok:
		return http.StatusUnauthorized, "sign in to the portal, or send Authorization: Bearer <API token>"
	case !user.IsAdmin():
		return http.StatusForbidden, "only admins may decode Temporal payloads"
	}
	return 0, ""
}

// allowCodecOrigin lets the Temporal Web UI call the codec from the
// browser with the portal's session cookie; it reports whether the request
// came from that origin. Other origins get no CORS headers, so browsers
// keep their pages from reading the answers.
func (s *Server) allowCodecOrigin(w http.ResponseWriter, r *http.Request) bool {
	w.Header().Add("Vary", "Origin")
	origin := r.Header.Get("Origin")
	if origin == "" || origin != uiOrigin(s.TemporalUIURL) {
		return false
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Credentials", "true")
	h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
	h.Set("Access-Control-Allow-Headers", "Content-Type, Authorization, X-Namespace")
	h.Set("Access-Control-Max-Age", "600")
	return true
}

// uiOrigin is scheme://host[:port] of the Temporal UI's URL; empty when unset.
func uiOrigin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

func codecErrorMessage(err error) string {
	switch {
	case errors.Is(err, secrets.ErrUnknownKey):
		return "a payload is " + secrets.ErrUnknownKey.Error() + " here (SLIPWAY_ENCRYPTION_KEY, SLIPWAY_ENCRYPTION_KEYS_OLD)"
	case errors.Is(err, secrets.ErrTampered):
		return "a payload " + secrets.ErrTampered.Error()
	}
	return "the payloads could not be converted"
}
