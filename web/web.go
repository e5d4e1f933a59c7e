// Package web is the member web portal: plain HTML, CSS and JavaScript
// embedded in the binary and served under /portal/. The portal talks only to
// the public GraphQL API, /export and (in dev mode) /dev/, so it loads
// nothing from anywhere else, and its Content-Security-Policy says so.
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var static embed.FS

// Prefix is the URL path the portal is served under.
const Prefix = "/portal/"

// ContentSecurityPolicy is sent with every portal response: the portal
// loads scripts, styles and data only from its own origin, runs no inline
// script, and may not be framed.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// devMarker is the attribute of index.html's <html> element that tells the
// script which sign-in to offer; Handler rewrites it in dev mode, because
// the policy forbids the inline script that could otherwise carry it.
const (
	prodMarker = `data-mode="prod"`
	devMarker  = `data-mode="dev"`
)

// asset is one embedded file, ready to serve.
type asset struct {
	body        []byte
	contentType string
	etag        string
}

// Handler serves the portal under Prefix. In dev mode the page offers the
// dev sign-in (the demo members and /dev/token); otherwise it takes the
// token the identity provider hands it. Every file is revalidated by ETag
// on each use (Cache-Control: no-cache), so a new binary's portal is seen
// at once, without fingerprinted file names and a build step.
func Handler(dev bool) http.Handler {
	assets := loadAssets(dev)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setSecurityHeaders(w.Header())
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		name := strings.TrimPrefix(r.URL.Path, Prefix)
		if name == "" {
			name = "index.html"
		}
		a, ok := assets[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", a.contentType)
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", a.etag)
		if etagMatches(r.Header.Get("If-None-Match"), a.etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		if r.Method == http.MethodHead {
			return
		}
		_, _ = w.Write(a.body)
	})
}

// setSecurityHeaders sets the headers every portal response carries, errors
// included.
func setSecurityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", ContentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
}

// loadAssets reads every embedded file once. A missing or unreadable
// embedded file is a build defect, so it panics.
func loadAssets(dev bool) map[string]asset {
	root, err := fs.Sub(static, "static")
	if err != nil {
		panic(err)
	}
	assets := map[string]asset{}
	err = fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(root, p)
		if err != nil {
			return err
		}
		if p == "index.html" && dev {
			body = bytes.Replace(body, []byte(prodMarker), []byte(devMarker), 1)
		}
		sum := sha256.Sum256(body)
		assets[p] = asset{body: body, contentType: contentType(p), etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
		return nil
	})
	if err != nil {
		panic(err)
	}
	return assets
}

// contentType is the type of a file by its extension, with a charset for
// text: the portal's files are UTF-8 (Finnish and Swedish text).
func contentType(name string) string {
	switch path.Ext(name) {
	case ".html":
		return "text/html; charset=utf-8"
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	}
	if t := mime.TypeByExtension(path.Ext(name)); t != "" {
		return t
	}
	return "application/octet-stream"
}

// etagMatches reports whether an If-None-Match header names etag.
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}
