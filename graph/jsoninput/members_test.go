package jsoninput

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// checkMembers fails unless Members splits a valid JSON object as
// json.Unmarshal into a map of raw messages does.
func checkMembers(t *testing.T, obj []byte) {
	t.Helper()
	if !json.Valid(obj) || bytes.TrimLeft(obj, " \t\r\n")[0] != '{' {
		return // not Members' to take
	}
	var want map[string]json.RawMessage
	if err := json.Unmarshal(obj, &want); err != nil {
		t.Fatalf("%s: %v", obj, err)
	}
	got, ok := Members(obj)
	if !ok || !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\ngot  %q (%v)\nwant %q", obj, got, ok, want)
	}
}

var memberSeeds = []string{
	`{}`,
	` { } `,
	`{"query":"{ me { id } }","variables":{"a":[1,2,{"b":"}"}],"c":null},"operationName":null}`,
	`{"a":1,"a":2}`,
	`{"k\u0065y":true,"\"":false,"ä":-1.5e3,"\ud800":"lone"}`,
	"{\n\t\"a\" :\r\n [ ] , \"b\":{ \"c\" : [ \"]\\\\\" ] } }",
	`{"s":"a\\\"b","n":0,"e":""}`,
	"{\"bad\xffutf8\":1}",
}

func TestMembers(t *testing.T) {
	for _, s := range memberSeeds {
		checkMembers(t, []byte(s))
	}
	for _, s := range []string{`[]`, `null`, `"{}"`, ``, `  `} {
		if _, ok := Members([]byte(s)); ok {
			t.Errorf("Members(%q) reports an object", s)
		}
	}
}

func FuzzMembers(f *testing.F) {
	for _, s := range memberSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, obj []byte) { checkMembers(t, obj) })
}
