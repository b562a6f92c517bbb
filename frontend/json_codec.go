package frontend

import (
	"errors"
	"fmt"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// jsonCodec is Connect's JSON codec, except that a body it cannot decode is
// answered naming the body and the message by their API names: Connect's
// own says "unmarshal into *slipwayv1.XRequest", a Go type name. binaryCodec
// (text_edge.go) answers the same way.
type jsonCodec struct{ name string }

func (c jsonCodec) Name() string { return c.name }

func (jsonCodec) IsBinary() bool { return false }

func (jsonCodec) Marshal(msg any) ([]byte, error) {
	m, err := protoMessage(msg)
	if err != nil {
		return nil, err
	}
	return protojson.Marshal(m)
}

func (jsonCodec) Unmarshal(data []byte, msg any) error {
	m, err := protoMessage(msg)
	if err != nil {
		return err
	}
	if len(data) == 0 {
		return errors.New("body: must be a JSON object (" + string(m.ProtoReflect().Descriptor().Name()) + ")")
	}
	// Unknown fields are dropped, as Connect does, so older clients work.
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(data, m); err != nil {
		return undecodableBody(m, err)
	}
	return nil
}

// protoMessage is msg as a protobuf message: the one kind the codecs know.
func protoMessage(msg any) (proto.Message, error) {
	m, ok := msg.(proto.Message)
	if !ok {
		return nil, fmt.Errorf("%T is not a protobuf message", msg)
	}
	return m, nil
}

// undecodableBody names the body and its message by their API names.
func undecodableBody(m proto.Message, err error) error {
	return fmt.Errorf("body: is not a valid %s: %s", m.ProtoReflect().Descriptor().Name(), strings.TrimPrefix(err.Error(), "proto: "))
}
