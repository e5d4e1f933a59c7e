package web

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, method, target string, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestHandler(t *testing.T) {
	h := Handler(false)
	t.Run("Index", func(t *testing.T) {
		rec := get(t, h, http.MethodGet, "/portal/", nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("status %d", rec.Code)
		}
		want := map[string]string{
			"Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
				"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
			"X-Content-Type-Options": "nosniff",
			"Referrer-Policy":        "no-referrer",
			"Cache-Control":          "no-cache",
			"Content-Type":           "text/html; charset=utf-8",
		}
		for k, v := range want {
			if got := rec.Header().Get(k); got != v {
				t.Errorf("%s = %q, want %q", k, got, v)
			}
		}
		if body := rec.Body.String(); !strings.Contains(body, `data-mode="prod"`) || !strings.Contains(body, `src="app.js"`) {
			t.Fatalf("index.html without the prod marker or the script: %.300s", body)
		}
	})
	t.Run("DevMarker", func(t *testing.T) {
		body := get(t, Handler(true), http.MethodGet, "/portal/", nil).Body.String()
		if !strings.Contains(body, `data-mode="dev"`) || strings.Contains(body, `data-mode="prod"`) {
			t.Fatalf("dev index.html: %.300s", body)
		}
	})
	t.Run("Script", func(t *testing.T) {
		rec := get(t, h, http.MethodGet, "/portal/app.js", nil)
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "text/javascript; charset=utf-8" {
			t.Fatalf("status %d, type %q", rec.Code, rec.Header().Get("Content-Type"))
		}
	})
	t.Run("NotModified", func(t *testing.T) {
		etag := get(t, h, http.MethodGet, "/portal/app.css", nil).Header().Get("ETag")
		if etag == "" {
			t.Fatal("no ETag")
		}
		rec := get(t, h, http.MethodGet, "/portal/app.css", map[string]string{"If-None-Match": etag})
		if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
			t.Fatalf("status %d with %d bytes, want 304 and none", rec.Code, rec.Body.Len())
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		rec := get(t, h, http.MethodGet, "/portal/secret.txt", nil)
		if rec.Code != http.StatusNotFound || rec.Header().Get("Content-Security-Policy") == "" {
			t.Fatalf("status %d, CSP %q: want 404 with the policy", rec.Code, rec.Header().Get("Content-Security-Policy"))
		}
	})
	t.Run("ErrMethod", func(t *testing.T) {
		rec := get(t, h, http.MethodPost, "/portal/", nil)
		if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" {
			t.Fatalf("status %d, Allow %q", rec.Code, rec.Header().Get("Allow"))
		}
	})
}

// TestNoThirdPartyReferences checks the portal's files for anything that
// would make the browser ask another host: absolute URLs, protocol-relative
// URLs, CSS imports, and script imports that are not relative files.
func TestNoThirdPartyReferences(t *testing.T) {
	absolute := regexp.MustCompile(`(?i)(https?:)?//[a-z0-9.-]+\.[a-z]{2,}|@import|url\(\s*['"]?(https?:|//)`)
	imports := regexp.MustCompile(`(?m)^\s*import\s[^'"]*['"]([^'"]+)['"]`)
	root, _ := fs.Sub(static, "static")
	files := 0
	err := fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		b, err := fs.ReadFile(root, p)
		if err != nil {
			return err
		}
		if m := absolute.Find(b); m != nil {
			t.Errorf("%s refers to another host: %q", p, m)
		}
		for _, m := range imports.FindAllSubmatch(b, -1) {
			target := string(m[1])
			if !strings.HasPrefix(target, "./") {
				t.Errorf("%s imports %q: only ./ files of the portal", p, target)
				continue
			}
			if _, err := fs.Stat(root, strings.TrimPrefix(target, "./")); err != nil {
				t.Errorf("%s imports %q, which is not embedded", p, target)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 5 {
		t.Fatalf("only %d embedded files", files)
	}
}
