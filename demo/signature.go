package demo

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// maxClockSkew bounds how old a signed call may be: a captured request
// cannot be replayed later. Slipway signs each retry afresh.
const maxClockSkew = 5 * time.Minute

// verifySignature checks that Slipway signed body with secret:
// x-slipway-signature is "v1," + base64(HMAC-SHA256(secret, timestamp + "." + body)).
// It is written from the README's description, as any backend's would be,
// not with Slipway's signer: the demo imports nothing of Slipway's.
func verifySignature(secret []byte, h http.Header, body []byte, now time.Time) error {
	sig, ts := h.Get("X-Slipway-Signature"), h.Get("X-Slipway-Timestamp")
	if sig == "" || ts == "" {
		return errors.New("x-slipway-signature and x-slipway-timestamp are required")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errors.New("x-slipway-timestamp: must be Unix seconds")
	}
	if skew := now.Sub(time.Unix(sec, 0)); skew > maxClockSkew || skew < -maxClockSkew {
		return fmt.Errorf("x-slipway-timestamp: %s away from now, more than %s", skew.Round(time.Second).Abs(), maxClockSkew)
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	if !hmac.Equal([]byte(sig), []byte("v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)))) {
		return errors.New("x-slipway-signature: does not match the body")
	}
	return nil
}
