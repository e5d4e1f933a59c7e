package jsoninput

import (
	"encoding/json"
	"unicode/utf8"
)

// Members splits a JSON object into its members, as json.Unmarshal into a
// map[string]json.RawMessage does (keys unescaped, the last of a repeated
// key kept, values as they are written), but without checking the JSON
// again: obj must be valid (json.Valid), and the values are not scanned
// twice. A request body is checked once and split here, instead of
// checked and scanned again for each level it is decoded at (some 3 of the
// 4 ms a large ingest batch took). It reports false if obj is not an
// object.
func Members(obj []byte) (map[string]json.RawMessage, bool) {
	i := skipSpace(obj, 0)
	if i == len(obj) || obj[i] != '{' {
		return nil, false
	}
	out := map[string]json.RawMessage{}
	i = skipSpace(obj, i+1)
	if i < len(obj) && obj[i] == '}' {
		return out, true
	}
	for i < len(obj) {
		end := skipValue(obj, i) // the key
		key, ok := keyOf(obj[i:end])
		if !ok {
			return nil, false
		}
		i = skipSpace(obj, end)
		if i == len(obj) || obj[i] != ':' {
			return nil, false
		}
		i = skipSpace(obj, i+1)
		end = skipValue(obj, i)
		out[key] = obj[i:end:end]
		i = skipSpace(obj, end)
		if i == len(obj) {
			break
		}
		switch obj[i] {
		case ',':
			i = skipSpace(obj, i+1)
		case '}':
			return out, true
		default:
			return nil, false
		}
	}
	return nil, false
}

// keyOf decodes a key as encoding/json does; plain ASCII keys (nearly
// all) without a second pass.
func keyOf(tok []byte) (string, bool) {
	if len(tok) < 2 || tok[0] != '"' {
		return "", false
	}
	plain := true
	for _, c := range tok[1 : len(tok)-1] {
		if c == '\\' || c >= utf8.RuneSelf {
			plain = false
			break
		}
	}
	if plain {
		return string(tok[1 : len(tok)-1]), true
	}
	var k string
	return k, json.Unmarshal(tok, &k) == nil
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns the end of the valid JSON value at b[i].
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				i = skipString(b, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return i
	default: // a number, true, false or null
		for i < len(b) {
			switch b[i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return i
			}
			i++
		}
		return i
	}
}

// skipString returns the end of the string that starts at b[i].
func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return i
}
