package storage

import (
	"encoding/base64"
	"encoding/binary"
	"time"

	"github.com/omadata/omadata/graph/model"
)

// Public ids and cursors are opaque: base64url of a version byte and fixed
// binary fields. They hold sequence numbers and times, never a customer id,
// so a household view cannot tell who bought a receipt from its id or cursor.

const (
	receiptIDVersion = 'r'
	cursorVersion    = 'c'
)

// ReceiptID returns the public id of the receipt with sequence number seq.
func ReceiptID(seq int64) string {
	b := make([]byte, 9)
	b[0] = receiptIDVersion
	binary.BigEndian.PutUint64(b[1:], uint64(seq))
	return base64.RawURLEncoding.EncodeToString(b)
}

// accessEventID returns the public id of an access event.
func accessEventID(seq int64) string {
	b := make([]byte, 9)
	b[0] = 'a'
	binary.BigEndian.PutUint64(b[1:], uint64(seq))
	return base64.RawURLEncoding.EncodeToString(b)
}

// ParseReceiptID returns the sequence number of a public receipt id. A
// malformed id answers like an unknown one (NOT_FOUND), so probing ids
// learns nothing.
func ParseReceiptID(id string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(id)
	// Only the canonical spelling is an id: the decoder skips newlines
	// and, in the last character, bits that carry nothing.
	if err != nil || len(b) != 9 || b[0] != receiptIDVersion || base64.RawURLEncoding.EncodeToString(b) != id {
		return 0, model.Errorf(model.NotFound, "receipt not found")
	}
	return int64(binary.BigEndian.Uint64(b[1:])), nil
}

// Cursor is a keyset position: a time and a sequence number, both
// descending (newest first).
type Cursor struct {
	At  time.Time
	Seq int64
}

// Encode returns the cursor's opaque form.
func (c Cursor) Encode() string {
	b := make([]byte, 17)
	b[0] = cursorVersion
	binary.BigEndian.PutUint64(b[1:], uint64(c.At.UnixMicro()))
	binary.BigEndian.PutUint64(b[9:], uint64(c.Seq))
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor parses an `after` argument; nil or empty means the start.
func DecodeCursor(after *string) (*Cursor, error) {
	if after == nil || *after == "" {
		return nil, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(*after)
	if err != nil || len(b) != 17 || b[0] != cursorVersion || base64.RawURLEncoding.EncodeToString(b) != *after {
		return nil, model.InputErrorf("after", "not a cursor of this list")
	}
	return &Cursor{
		At:  time.UnixMicro(int64(binary.BigEndian.Uint64(b[1:]))).UTC(),
		Seq: int64(binary.BigEndian.Uint64(b[9:])),
	}, nil
}

// keyCursorVersion marks a cursor over an ascending text key.
const keyCursorVersion = 'k'

// EncodeKeyCursor returns the opaque cursor of a position in a list ordered
// by a text key, ascending (the marketing audience, by customer id).
func EncodeKeyCursor(key string) string {
	return base64.RawURLEncoding.EncodeToString(append([]byte{keyCursorVersion}, key...))
}

// DecodeKeyCursor parses an `after` argument of a key-ordered list; nil or
// empty means the start, returned as "".
func DecodeKeyCursor(after *string) (string, error) {
	if after == nil || *after == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(*after)
	if err != nil || len(b) < 2 || b[0] != keyCursorVersion {
		return "", model.InputErrorf("after", "not a cursor of this list")
	}
	return string(b[1:]), nil
}

// MaxPageSize is the largest `first` a connection accepts.
const MaxPageSize = 100

// PageSize validates `first` (default def) and returns it.
func PageSize(first *int, def int) (int, error) {
	if first == nil {
		return def, nil
	}
	if *first < 1 || *first > MaxPageSize {
		return 0, model.InputErrorf("first", "must be between 1 and %d", MaxPageSize)
	}
	return *first, nil
}
