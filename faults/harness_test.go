// Package faults holds scripted fault tests: each builds the real
// `omadata` binary, runs `omadata serve` on a loopback port against a real
// PostgreSQL, does something unkind to it (kill -9, SIGTERM, a database
// outage) and checks that nothing acknowledged is lost. Every wait is
// bounded; nothing leaves the machine.
package faults_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/omadata/omadata/auth"
	"github.com/omadata/omadata/storage/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// Dev-mode token settings (the defaults of `omadata serve`).
const (
	devIssuer   = "omadata-dev"
	devAudience = "omadata"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds cmd/omadata once per test binary. It goes to a fixed
// place in the temporary directory, replaced on each build (go build
// renames it into place, so a running server keeps its copy).
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		root, err := filepath.Abs("..")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(os.TempDir(), fmt.Sprintf("omadata-faults-%d", os.Getuid()), "omadata")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", "build", "-o", binPath, "./cmd/omadata")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// server is a running `omadata serve`.
type server struct {
	t       *testing.T
	cmd     *exec.Cmd
	URL     string // http://127.0.0.1:port
	DataDir string
	key     ed25519.PrivateKey
	logs    *syncBuffer
	exited  chan struct{}
	waitErr error
}

// serverOptions say how to start a server.
type serverOptions struct {
	DatabaseURL string
	// DataDir is reused across restarts so tokens stay valid (the dev key
	// lives there); empty means a fresh one.
	DataDir string
	// Env adds variables (after the defaults, so it can override them).
	Env []string
}

var listeningRE = regexp.MustCompile(`msg=listening addr=(127\.0\.0\.1:\d+)|"msg":"listening","addr":"(127\.0\.0\.1:\d+)"`)

// startServer runs `omadata serve` in dev mode on a free loopback port and
// waits until it answers /readyz.
func startServer(t *testing.T, opt serverOptions) *server {
	t.Helper()
	if opt.DataDir == "" {
		opt.DataDir = t.TempDir()
	}
	key, err := auth.LoadOrCreateDevKey(opt.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, DataDir: opt.DataDir, key: key, logs: &syncBuffer{}, exited: make(chan struct{})}
	s.cmd = exec.Command(binary(t), "serve")
	s.cmd.Env = append(cleanEnv(), "DATABASE_URL="+opt.DatabaseURL, "OMADATA_DATA_DIR="+opt.DataDir,
		"OMADATA_ADDR=127.0.0.1:0", "OMADATA_DEV=1")
	s.cmd.Env = append(s.cmd.Env, opt.Env...)
	pr, pw := io.Pipe()
	s.cmd.Stdout, s.cmd.Stderr = pw, pw
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := make(chan string, 1)
	go s.readLogs(pr, addr)
	go func() {
		s.waitErr = s.cmd.Wait()
		pw.Close()
		close(s.exited)
	}()
	t.Cleanup(s.kill)
	select {
	case a := <-addr:
		s.URL = "http://" + a
	case <-s.exited:
		t.Fatalf("omadata serve exited at start: %v\n%s", s.waitErr, s.logs)
	case <-time.After(90 * time.Second):
		t.Fatalf("omadata serve did not listen within 90 s:\n%s", s.logs)
	}
	s.waitReady(30 * time.Second)
	return s
}

// cleanEnv is this process's environment without the variables that
// configure omadata, so the developer's own settings cannot leak in.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OMADATA_") && !strings.HasPrefix(kv, "DATABASE_URL=") {
			out = append(out, kv)
		}
	}
	return out
}

func (s *server) readLogs(r io.Reader, addr chan<- string) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	sent := false
	for sc.Scan() {
		line := sc.Text()
		s.logs.WriteString(line + "\n")
		if m := listeningRE.FindStringSubmatch(line); m != nil && !sent {
			addr <- m[1] + m[2]
			sent = true
		}
	}
	_, _ = io.Copy(io.Discard, r)
}

// waitReady polls /readyz until it answers 200.
func (s *server) waitReady(within time.Duration) {
	s.t.Helper()
	deadline := time.Now().Add(within)
	for {
		if code, _ := s.get("/readyz"); code == http.StatusOK {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("/readyz not ready within %v:\n%s", within, s.logs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// kill ends the process with SIGKILL (if it still runs) and waits.
func (s *server) kill() {
	select {
	case <-s.exited:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.exited
}

// signal sends sig to the server.
func (s *server) signal(sig syscall.Signal) {
	s.t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.t.Fatal(err)
	}
}

// wait waits (bounded) for the process to exit and returns its exit code.
func (s *server) wait(within time.Duration) int {
	s.t.Helper()
	select {
	case <-s.exited:
	case <-time.After(within):
		s.t.Fatalf("the server did not exit within %v:\n%s", within, s.logs)
	}
	var ee *exec.ExitError
	if errors.As(s.waitErr, &ee) {
		return ee.ExitCode()
	}
	if s.waitErr != nil {
		s.t.Fatal(s.waitErr)
	}
	return 0
}

// token signs a token with the server's dev key.
func (s *server) token(sub string, scopes ...string) string {
	s.t.Helper()
	tok, err := auth.SignToken(s.key, devIssuer, devAudience, sub, scopes, time.Hour)
	if err != nil {
		s.t.Fatal(err)
	}
	return tok
}

var client = &http.Client{Timeout: 30 * time.Second}

func (s *server) get(path string) (int, string) {
	resp, err := client.Get(s.URL + path)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// gqlResponse is a GraphQL answer.
type gqlResponse struct {
	Status int
	Data   json.RawMessage
	Errors []struct {
		Message    string
		Extensions struct{ Code string }
	}
}

func (r *gqlResponse) codes() []string {
	var out []string
	for _, e := range r.Errors {
		out = append(out, e.Extensions.Code)
	}
	return out
}

// query POSTs an operation; a transport error is returned, not fatal.
func (s *server) query(ctx context.Context, token, query string, vars map[string]any) (*gqlResponse, error) {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/graphql", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	out := &gqlResponse{Status: resp.StatusCode}
	if err := json.Unmarshal(b, out); err != nil {
		return nil, fmt.Errorf("status %d, not JSON: %.200s", resp.StatusCode, b)
	}
	return out, nil
}

// syncBuffer collects a process's output for failure messages.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) WriteString(s string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.b.WriteString(s)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// decode requires a 200 answer without errors and decodes its data.
func decode(r *gqlResponse, v any) error {
	if r.Status != http.StatusOK || len(r.Errors) > 0 {
		return fmt.Errorf("status %d, errors %+v", r.Status, r.Errors)
	}
	return json.Unmarshal(r.Data, v)
}
