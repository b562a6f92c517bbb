// Package signing signs the requests Slipway sends (backend calls and
// notification webhooks) so that receivers can tell them from forgeries, the
// way Port signs its webhooks: a timestamp header and a signature header,
// "v1," + base64(HMAC-SHA256(secret, timestamp + "." + body)).
//
// It only signs; receivers verify with their own code (see README "Writing
// a backend"), which keeps the format a contract rather than a shared helper.
package signing

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Header prefixes: each gets a "timestamp" and a "signature" header.
const (
	// SlipwayPrefix names Slipway's own headers, on every signed request.
	SlipwayPrefix = "x-slipway-"
	// PortPrefix names Port's headers, on backend calls, so that a backend
	// written for Port verifies Slipway's calls unchanged.
	PortPrefix = "x-port-"
)

// Sign returns the signature header's value for body at ts (Unix seconds).
func Sign(secret []byte, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	fmt.Fprintf(mac, "%d.", ts)
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// SetHeaders signs body as sent at now and sets the timestamp and signature
// headers under each prefix. Each attempt is signed afresh, so receivers may
// refuse old timestamps (replays).
func SetHeaders(h http.Header, secret, body []byte, now time.Time, prefixes ...string) {
	ts := now.Unix()
	sig := Sign(secret, ts, body)
	for _, prefix := range prefixes {
		h.Set(prefix+"timestamp", strconv.FormatInt(ts, 10))
		h.Set(prefix+"signature", sig)
	}
}
