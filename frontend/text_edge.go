package frontend

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	"github.com/slipwayhq/slipway"
	"github.com/slipwayhq/slipway/text"
)

// The text rule (package text) at each of the frontend's edges: every
// Connect request message, every Port-style REST body and every portal
// form and query value is checked once, here, before any handler sees it.

// textInterceptor checks every request message, streaming ones included.
// It runs inside the auth interceptor, which maps its errors.
type textInterceptor struct{}

func (textInterceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		if err := checkRequestMessage(req.Any()); err != nil {
			return nil, err
		}
		return next(ctx, req)
	}
}

func (textInterceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

func (textInterceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		return next(ctx, checkedConn{conn})
	}
}

// checkedConn checks each message a stream receives.
type checkedConn struct{ connect.StreamingHandlerConn }

func (c checkedConn) Receive(msg any) error {
	if err := c.StreamingHandlerConn.Receive(msg); err != nil {
		return err
	}
	return checkRequestMessage(msg)
}

func checkRequestMessage(msg any) error {
	m, ok := msg.(proto.Message)
	if !ok {
		return nil
	}
	return text.CheckMessage(m)
}

// checkPortBody checks a Port-style REST body (and the request's path)
// before it is decoded into its handler's struct. Go's JSON decoder would
// turn invalid UTF-8 into U+FFFD silently, so the raw bytes are checked first.
func checkPortBody(r *http.Request, body []byte) error {
	if err := text.Check("path", text.Other, r.URL.Path); err != nil {
		return err
	}
	if !utf8.Valid(body) {
		return slipway.FieldError("body", "must be valid UTF-8")
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return nil // the handler's own decoding says what is wrong
	}
	return text.CheckJSON(v)
}

// checkPortalRequest checks a portal request's path, query and form values.
// Form fields are named as the form names them ("name", an input's name).
func checkPortalRequest(r *http.Request) error {
	if err := text.Check("path", text.Other, r.URL.Path); err != nil {
		return err
	}
	_ = r.ParseForm() // a malformed query or body is the page's to judge, as before
	// The run form's fields are the action's inputs: they get the limit and
	// the name the API gives them (inputs.title is a value, not a title).
	runForm := r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/self-service/")
	for _, k := range slices.Sorted(maps.Keys(r.Form)) {
		if err := text.CheckKey("form", k); err != nil {
			return err
		}
		field, kind := k, text.KindOf(k)
		if runForm && k != csrfField {
			field, kind = "inputs."+k, text.Value
		}
		for _, v := range r.Form[k] {
			if err := text.Check(field, kind, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// binaryCodec is Connect's binary protobuf codec, except that a message
// refused for invalid UTF-8 is answered naming the field, as JSON clients'
// messages are (Go's protobuf does not say which field it was).
type binaryCodec struct{}

func (binaryCodec) Name() string { return "proto" }

func (binaryCodec) IsBinary() bool { return true }

func (binaryCodec) Marshal(msg any) ([]byte, error) { return binaryCodec{}.MarshalAppend(nil, msg) }

func (binaryCodec) MarshalAppend(dst []byte, msg any) ([]byte, error) {
	m, err := protoMessage(msg)
	if err != nil {
		return nil, err
	}
	return proto.MarshalOptions{}.MarshalAppend(dst, m)
}

func (binaryCodec) MarshalStable(msg any) ([]byte, error) {
	m, err := protoMessage(msg)
	if err != nil {
		return nil, err
	}
	return proto.MarshalOptions{Deterministic: true}.Marshal(m)
}

func (binaryCodec) Unmarshal(data []byte, msg any) error {
	m, err := protoMessage(msg)
	if err != nil {
		return err
	}
	err = proto.Unmarshal(data, m)
	if err == nil {
		return nil
	}
	if field := text.InvalidUTF8Field(m.ProtoReflect().Descriptor(), data); field != "" {
		return fmt.Errorf("%s: must be valid UTF-8", field)
	}
	return undecodableBody(m, err)
}
