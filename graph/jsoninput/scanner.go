package jsoninput

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// scanner reads JSON tokens from a string. Every method consumes what it
// reads and reports false, leaving the position undefined, on anything it
// does not expect; the decoder then declines the whole value.
type scanner struct {
	s string
	i int
}

func (d *scanner) skipSpace() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// peek returns the next byte that is not white space, 0 at the end.
func (d *scanner) peek() byte {
	d.skipSpace()
	if d.i < len(d.s) {
		return d.s[d.i]
	}
	return 0
}

// eat consumes c if it comes next.
func (d *scanner) eat(c byte) bool {
	if d.peek() == c {
		d.i++
		return true
	}
	return false
}

// atEnd reports whether only white space is left.
func (d *scanner) atEnd() bool {
	d.skipSpace()
	return d.i == len(d.s)
}

// null consumes a null literal.
func (d *scanner) null() bool {
	if d.peek() == 'n' && len(d.s)-d.i >= 4 && d.s[d.i:d.i+4] == "null" {
		d.i += 4
		return true
	}
	return false
}

// str reads a string. One without escapes in valid UTF-8 (nearly all) is a
// substring of the input; any other is decoded by encoding/json, so that
// escapes, invalid UTF-8 and lone surrogates come out exactly as the
// generic path has them.
func (d *scanner) str() (string, bool) {
	if d.peek() != '"' {
		return "", false
	}
	start := d.i
	d.i++
	escaped, ascii := false, true
	for d.i < len(d.s) {
		c := d.s[d.i]
		switch {
		case c == '"':
			d.i++
			raw := d.s[start+1 : d.i-1]
			if !escaped && (ascii || utf8.ValidString(raw)) {
				return raw, true
			}
			var out string
			if json.Unmarshal([]byte(d.s[start:d.i]), &out) != nil {
				return "", false
			}
			return out, true
		case c == '\\':
			// The escaped byte cannot end the string; \uXXXX's digits
			// cannot either.
			escaped = true
			d.i += 2
		case c < 0x20:
			return "", false // control characters must be escaped
		default:
			ascii = ascii && c < utf8.RuneSelf
			d.i++
		}
	}
	return "", false
}

// key reads an object's key and the colon after it. A key with an escape
// is declined: no field of an input type needs one.
func (d *scanner) key() (string, bool) {
	if d.peek() != '"' {
		return "", false
	}
	start := d.i + 1
	for d.i++; d.i < len(d.s); d.i++ {
		switch c := d.s[d.i]; {
		case c == '"':
			k := d.s[start:d.i]
			d.i++
			return k, d.eat(':')
		case c == '\\' || c < 0x20:
			return "", false
		}
	}
	return "", false
}

// number reads the text of a number, checked against JSON's grammar
// (strconv alone would also take "+1", "01" or ".5").
func (d *scanner) number() (string, bool) {
	d.skipSpace()
	start := d.i
	digits := func() int {
		n := 0
		for d.i < len(d.s) && d.s[d.i] >= '0' && d.s[d.i] <= '9' {
			d.i++
			n++
		}
		return n
	}
	if d.i < len(d.s) && d.s[d.i] == '-' {
		d.i++
	}
	switch {
	case d.i < len(d.s) && d.s[d.i] == '0':
		d.i++
	case digits() == 0:
		return "", false
	}
	if d.i < len(d.s) && d.s[d.i] == '.' {
		d.i++
		if digits() == 0 {
			return "", false
		}
	}
	if d.i < len(d.s) && (d.s[d.i] == 'e' || d.s[d.i] == 'E') {
		d.i++
		if d.i < len(d.s) && (d.s[d.i] == '+' || d.s[d.i] == '-') {
			d.i++
		}
		if digits() == 0 {
			return "", false
		}
	}
	return d.s[start:d.i], true
}

// int reads an Int as gqlgen does from a json.Number: an integer in the
// text, within int's range. "1.0" and "1e3" are declined (the generic path
// refuses them).
func (d *scanner) int() (int, bool) {
	text, ok := d.number()
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil || int64(int(n)) != n {
		return 0, false
	}
	return int(n), true
}

// float reads a Float as gqlgen does from a json.Number.
func (d *scanner) float() (float64, bool) {
	text, ok := d.number()
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(text, 64)
	return f, err == nil
}

// optString reads a nullable String.
func (d *scanner) optString() (*string, bool) {
	if d.null() {
		return nil, true
	}
	s, ok := d.str()
	return &s, ok
}

// optInt reads a nullable Int.
func (d *scanner) optInt() (*int, bool) {
	if d.null() {
		return nil, true
	}
	n, ok := d.int()
	return &n, ok
}
