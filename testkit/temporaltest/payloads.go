package temporaltest

import (
	commonpb "go.temporal.io/api/common/v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Payloads returns every payload inside m (a history event, a whole
// history) that the data converter wrote. Search attributes are left out:
// the SDK encodes them without the data converter, so visibility can read them.
func Payloads(m proto.Message) []*commonpb.Payload {
	var out []*commonpb.Payload
	collectPayloads(m.ProtoReflect(), &out)
	return out
}

var (
	payloadName          = (&commonpb.Payload{}).ProtoReflect().Descriptor().FullName()
	searchAttributesName = (&commonpb.SearchAttributes{}).ProtoReflect().Descriptor().FullName()
)

func collectPayloads(m protoreflect.Message, out *[]*commonpb.Payload) {
	switch m.Descriptor().FullName() {
	case payloadName:
		if p, ok := m.Interface().(*commonpb.Payload); ok {
			*out = append(*out, p)
		}
		return
	case searchAttributesName:
		return
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.Kind() != protoreflect.MessageKind && fd.Kind() != protoreflect.GroupKind {
			return true
		}
		switch {
		case fd.IsList():
			for i := range v.List().Len() {
				collectPayloads(v.List().Get(i).Message(), out)
			}
		case fd.IsMap():
			if fd.MapValue().Kind() == protoreflect.MessageKind {
				v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
					collectPayloads(mv.Message(), out)
					return true
				})
			}
		default:
			collectPayloads(v.Message(), out)
		}
		return true
	})
}
