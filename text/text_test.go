package text

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/slipwayhq/slipway"
)

// fieldOf asserts err is the invalid-argument error this package promises and returns its field.
func fieldOf(t *testing.T, err error) string {
	t.Helper()
	var e *slipway.Error
	if !errors.As(err, &e) || e.Code != slipway.CodeInvalid || e.Field == "" {
		t.Fatalf("want an invalid *slipway.Error naming a field, got %#v", err)
	}
	return e.Field
}

func TestCheck(t *testing.T) {
	cases := []struct {
		kind Kind
		s    string
		want string // "" accepts; else a part of the message
	}{
		{Title, "Deploy ✓", ""},
		{Title, "", ""},
		{Title, "a\x00b", "NUL"},
		{Title, "bad\xff", "UTF-8"},
		{Title, strings.Repeat("é", 200), ""}, // characters, not bytes
		{Title, strings.Repeat("x", 201), "at most 200 characters"},
		{Description, strings.Repeat("x", 4001), "at most 4,000"},
		{LogMessage, strings.Repeat("x", 16<<10), ""},
		{LogMessage, strings.Repeat("x", 16<<10+1), "at most 16,384"},
		{Value, strings.Repeat("x", 900_000), "at most 65,536"},
		{Identifier, strings.Repeat("x", 257), "at most 256"},
	}
	for _, c := range cases {
		err := Check("f", c.kind, c.s)
		if c.want == "" {
			if err != nil {
				t.Errorf("%s %.20q: %v", c.kind, c.s, err)
			}
			continue
		}
		if fieldOf(t, err) != "f" || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %.20q: %v, want %q", c.kind, c.s, err, c.want)
		}
	}
}

func TestKindOf(t *testing.T) {
	for name, want := range map[string]Kind{
		"title": Title, "idempotency_key": Identifier, "idempotencyKey": Identifier, "status_label": Description, "statusLabel": Description, "message": LogMessage,
		"link": Link, "identifier": Identifier, "ttlDays": Other, "reason": Description,
	} {
		if got := KindOf(name); got != want {
			t.Errorf("KindOf(%q) = %s, want %s", name, got, want)
		}
	}
}

func TestCheckJSONNamesTheField(t *testing.T) {
	cases := []struct{ body, field string }{
		{`{"action": {"title": "a\u0000b"}}`, "action.title"},
		{`{"properties": {"name": "a\u0000b"}}`, "properties.name"},
		{`{"link": ["https://x.example", "a\u0000"]}`, "link[1]"},
		{`{"entity": {"properties": {"a\u0000": 1}}}`, "entity.properties"},
		{`{"a\u0000": 1}`, "body"},
		{`{"entity": {"title": "` + strings.Repeat("x", 201) + `"}}`, "entity.title"},
	}
	for _, c := range cases {
		var v any
		if err := json.Unmarshal([]byte(c.body), &v); err != nil {
			t.Fatal(err)
		}
		if got := fieldOf(t, CheckJSON(v)); got != c.field {
			t.Errorf("%.60s: field %q, want %q", c.body, got, c.field)
		}
	}
	// Under properties the key does not choose the kind: a property named
	// "title" holds a value (64 KiB), not a title (200).
	var v any
	_ = json.Unmarshal([]byte(`{"entity": {"properties": {"title": "`+strings.Repeat("x", 5000)+`"}}, "n": 1, "b": true, "z": null}`), &v)
	if err := CheckJSON(v); err != nil {
		t.Errorf("a long property value named title: %v", err)
	}
}

func TestCheckMessageWalksStructsAndMaps(t *testing.T) {
	st, _ := structpb.NewStruct(map[string]any{"title": "ok", "properties": map[string]any{"name": []any{"ok", "a\x00"}}})
	if got := fieldOf(t, CheckMessage(st)); got != "properties.name[1]" {
		t.Errorf("field %q", got)
	}
	// A message with a map<string,string> and a nested Struct: structpb.Value's list.
	v := structpb.NewListValue(&structpb.ListValue{Values: []*structpb.Value{structpb.NewStringValue("javascript\x00")}})
	if got := fieldOf(t, CheckMessage(v)); got != "[0]" {
		t.Errorf("field %q", got)
	}
	if err := CheckMessage(&structpb.Struct{}); err != nil {
		t.Error(err)
	}
}

func TestCheckLink(t *testing.T) {
	good := []string{"https://ci.example.com/runs/1?x=1#y", "http://127.0.0.1:8080/", "/runs/1", "/", "HTTPS://EXAMPLE.COM"}
	bad := []string{
		"javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,hi", "vbscript:msgbox", "//evil.example/x",
		"/\\evil.example", "ftp://x.example", "https://", "https:evil", "http:/x", "example.com/x", "",
		"https://x.example/\x01", "https://x.example/a b", " javascript:alert(1)", "java\tscript:alert(1)",
		"https://user:pw@evil.example", "https://x.example/\x00", "https://x.example\\@evil",
	}
	for _, s := range good {
		if err := CheckLink("link", s); err != nil {
			t.Errorf("%q refused: %v", s, err)
		}
	}
	for _, s := range bad {
		if fieldOf(t, CheckLink("link", s)) != "link" {
			t.Errorf("%q: wrong field", s)
		}
	}
	if got := fieldOf(t, CheckLinks("link", []string{"https://a.example", "data:x"})); got != "link[1]" {
		t.Errorf("field %q", got)
	}
	if got := fieldOf(t, CheckLinks("link", []string{"data:x"})); got != "link" {
		t.Errorf("field %q", got)
	}
}

var kinds = []Kind{Other, Identifier, Title, Description, LogMessage, Link, Value}

// FuzzText: the edge check never panics, accepts exactly valid text within
// its limit, and every refusal is an invalid *slipway.Error naming the field.
func FuzzText(f *testing.F) {
	f.Add("Deploy", uint8(2))
	f.Add("a\x00b", uint8(0))
	f.Add("\xff\xfe", uint8(3))
	f.Add("javascript:alert(1)", uint8(5))
	f.Add("https://ci.example.com/1", uint8(5))
	f.Add(strings.Repeat("é", 201), uint8(2))
	f.Fuzz(func(t *testing.T, s string, k uint8) {
		kind := kinds[int(k)%len(kinds)]
		err := Check("field", kind, s)
		valid := utf8.ValidString(s) && !strings.ContainsRune(s, 0) && utf8.RuneCountInString(s) <= kind.Limit()
		if valid != (err == nil) {
			t.Fatalf("Check(%q, %s) = %v, valid %v", s, kind, err, valid)
		}
		if err != nil && fieldOf(t, err) != "field" {
			t.Fatalf("wrong field: %v", err)
		}
		if err := CheckKey("m", s); err != nil && fieldOf(t, err) != "m" {
			t.Fatalf("wrong field: %v", err)
		}
		if err := CheckLink("link", s); err != nil {
			if fieldOf(t, err) != "link" {
				t.Fatalf("wrong field: %v", err)
			}
		} else {
			// An accepted link is valid text and either a local path or an http(s) URL with a host.
			if Check("link", Link, s) != nil {
				t.Fatalf("link %q accepted but not valid text", s)
			}
			u, perr := url.Parse(s)
			local := strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//")
			if perr != nil || (!local && ((u.Scheme != "http" && u.Scheme != "https") || u.Host == "")) {
				t.Fatalf("link %q accepted", s)
			}
			if strings.ContainsAny(s, "\x00\r\n\t\\ ") {
				t.Fatalf("link %q with a control character or a backslash accepted", s)
			}
		}
	})
}

// FuzzStructJSON: any Struct a client can send walks without panicking,
// and the walker over the message agrees with the walker over its JSON.
func FuzzStructJSON(f *testing.F) {
	f.Add([]byte(`{"title": "ok", "properties": {"name": "a\u0000b"}}`))
	f.Add([]byte(`{"link": ["https://x.example", 1, null, {"a": [true]}]}`))
	f.Add([]byte(`{"a\u0000": {}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		// The same bytes as binary proto: the locator never panics on them.
		_ = InvalidUTF8Field((&structpb.Struct{}).ProtoReflect().Descriptor(), data)
		var st structpb.Struct
		if protojson.Unmarshal(data, &st) != nil {
			return
		}
		errMessage := CheckMessage(&st)
		errJSON := CheckJSON(st.AsMap())
		if (errMessage == nil) != (errJSON == nil) {
			t.Fatalf("message walker %v, JSON walker %v", errMessage, errJSON)
		}
		if errMessage != nil {
			fieldOf(t, errMessage)
			if errMessage.Error() != errJSON.Error() {
				t.Fatalf("walkers disagree: %v / %v", errMessage, errJSON)
			}
		}
	})
}

func TestAwkwardKeysAreQuotedInPaths(t *testing.T) {
	var v any
	_ = json.Unmarshal([]byte(`{"entity": {"properties": {"a b": "x\u0000", "": {"": "\u0000"}}}}`), &v)
	if got := fieldOf(t, CheckJSON(v)); got != `entity.properties[""][""]` {
		t.Errorf("field %q", got)
	}
}

// InvalidUTF8Field names the field that Go's protobuf refuses to decode.
func TestInvalidUTF8FieldNamesIt(t *testing.T) {
	st, _ := structpb.NewStruct(map[string]any{"title": "ok", "properties": map[string]any{"name": []any{"ok", "badXY"}}})
	wrapped := &structpb.Value{Kind: &structpb.Value_StructValue{StructValue: st}}
	b, err := proto.Marshal(wrapped)
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.Replace(b, []byte("badXY"), []byte("bad\xff\xfe"), 1) // same length: the encoding stays whole
	if proto.Unmarshal(b, &structpb.Value{}) == nil {
		t.Fatal("protobuf accepted invalid UTF-8")
	}
	if got := InvalidUTF8Field(wrapped.ProtoReflect().Descriptor(), b); got != "properties.name[1]" {
		t.Errorf("field %q", got)
	}
	good, _ := proto.Marshal(wrapped)
	if got := InvalidUTF8Field(wrapped.ProtoReflect().Descriptor(), good); got != "" {
		t.Errorf("a good message: %q", got)
	}
}
