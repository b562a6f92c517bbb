package text

import (
	"slices"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/structpb"
)

// CheckMessage applies the rule to every string of a request message, its
// lists, maps and google.protobuf.Struct/Value trees included. Fields are
// named by their JSON paths ("action.title", "properties.name").
func CheckMessage(m proto.Message) error { return place{}.checkMessage(m.ProtoReflect()) }

func (p place) checkMessage(m protoreflect.Message) error {
	// Structs and Values are JSON: walk them as JSON, so that paths read
	// "action.title", not "action.fields.title.stringValue".
	switch x := m.Interface().(type) {
	case *structpb.Struct:
		return p.checkJSON(x.AsMap())
	case *structpb.Value:
		return p.checkJSON(x.AsInterface())
	case *structpb.ListValue:
		return p.checkJSON(x.AsSlice())
	}
	fields := m.Descriptor().Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		if !m.Has(fd) {
			continue
		}
		if err := p.field(fd.JSONName()).checkValue(fd, m.Get(fd)); err != nil {
			return err
		}
	}
	return nil
}

// checkValue walks one field's value: a list, a map or a single value.
func (p place) checkValue(fd protoreflect.FieldDescriptor, v protoreflect.Value) error {
	switch {
	case fd.IsList():
		list := v.List()
		for i := range list.Len() {
			if err := p.item(i).checkSingle(fd, list.Get(i)); err != nil {
				return err
			}
		}
	case fd.IsMap():
		m := v.Map()
		keys := make([]protoreflect.MapKey, 0, m.Len())
		m.Range(func(k protoreflect.MapKey, _ protoreflect.Value) bool {
			keys = append(keys, k)
			return true
		})
		slices.SortFunc(keys, func(a, b protoreflect.MapKey) int {
			if a.String() < b.String() {
				return -1
			}
			if a.String() > b.String() {
				return 1
			}
			return 0
		})
		for _, k := range keys {
			key := k.String()
			if fd.MapKey().Kind() == protoreflect.StringKind {
				if err := CheckKey(p.keysField(), key); err != nil {
					return err
				}
			}
			if err := p.field(key).checkSingle(fd.MapValue(), m.Get(k)); err != nil {
				return err
			}
		}
	default:
		return p.checkSingle(fd, v)
	}
	return nil
}

// checkSingle walks one string or message; other scalars need no check.
func (p place) checkSingle(fd protoreflect.FieldDescriptor, v protoreflect.Value) error {
	switch fd.Kind() {
	case protoreflect.StringKind:
		return Check(p.path, p.kind, v.String())
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return p.checkMessage(v.Message())
	}
	return nil
}
