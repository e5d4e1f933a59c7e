package storage_test

import (
	"context"
	"strings"
	"testing"

	"github.com/omadata/omadata/storage"
	"github.com/omadata/omadata/storage/pgtest"
)

// TestJITOff: the service's connections run without JIT compilation,
// which cost up to 1.4 s on a 1 ms insights statement of a large data set
// (storage.go says why), unless the database URL asks for it.
func TestJITOff(t *testing.T) {
	ctx := context.Background()
	url := pgtest.NewDatabase(t)
	for _, tt := range []struct{ url, want string }{
		{url, "off"},
		{url + map[bool]string{true: "&", false: "?"}[strings.Contains(url, "?")] + "jit=on", "on"},
	} {
		db, err := storage.Open(ctx, storage.Config{URL: tt.url})
		if err != nil {
			t.Fatal(err)
		}
		var jit string
		if err := db.Pool().QueryRow(ctx, "SHOW jit").Scan(&jit); err != nil {
			t.Fatal(err)
		}
		db.Close()
		if jit != tt.want {
			t.Errorf("%s: jit %s, want %s", tt.url, jit, tt.want)
		}
	}
}
