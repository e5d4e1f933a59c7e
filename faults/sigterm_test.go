package faults_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/omadata/omadata/storage/pgtest"
)

// TestSIGTERMDrains sends SIGTERM while a request is being served and
// others keep coming: the request in flight completes (and its write is
// stored), new connections are refused, every answer that was given is
// whole, and the process exits 0.
func TestSIGTERMDrains(t *testing.T) {
	url := pgtest.NewDatabase(t)
	enrol(t, url)
	// The load is one member's: lift the rate limit, which would answer 429.
	srv := startServer(t, serverOptions{DatabaseURL: url, Env: []string{"OMADATA_RATE_LIMIT_RPS=100000", "OMADATA_RATE_LIMIT_BURST=100000"}})
	member, pos := srv.token("m1"), srv.token("pos-1", "receipts:ingest")
	addr := strings.TrimPrefix(srv.URL, "http://")

	// The request in flight: its headers ask for 100-continue, so the
	// server says when a handler has started reading the body; the body
	// is sent only after SIGTERM.
	body, _ := json.Marshal(map[string]any{"query": ingestMutation, "variables": map[string]any{"in": batch(0, time.Now().Add(-time.Hour))[:10]}})
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(60 * time.Second))
	fmt.Fprintf(conn, "POST /graphql HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nAuthorization: Bearer %s\r\n"+
		"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n", addr, pos, len(body))
	replies := bufio.NewReader(conn)
	if line, err := replies.ReadString('\n'); err != nil || !strings.Contains(line, "100 Continue") {
		t.Fatalf("no 100 Continue: %q %v", line, err)
	}
	_, _ = replies.ReadString('\n') // the blank line after it

	// Load: clients without keep-alive, so each request is a new
	// connection that the server either serves whole or refuses.
	stop := make(chan struct{})
	load := startLoad(srv, member, 4, stop)
	waitFor(t, 10*time.Second, "load to get going", func() bool { return load.served() >= 20 })

	sent := time.Now()
	srv.signal(syscall.SIGTERM)
	// New connections are refused while the request is still in flight.
	waitFor(t, 10*time.Second, "new connections to be refused", func() bool {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return errors.Is(err, syscall.ECONNREFUSED)
		}
		c.Close()
		return false
	})
	// Now the body: the request completes.
	if _, err := conn.Write(body); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(replies, nil)
	if err != nil {
		t.Fatalf("the request in flight got no answer: %v", err)
	}
	r := gqlResponse{Status: resp.StatusCode}
	b, _ := io.ReadAll(resp.Body)
	var d ingestResult
	if err := json.Unmarshal(b, &r); err != nil || decode(&r, &d) != nil || d.IngestReceipts.Accepted != 10 {
		t.Fatalf("the request in flight: %d %s", resp.StatusCode, b)
	}
	if code := srv.wait(30 * time.Second); code != 0 {
		t.Fatalf("exit code %d:\n%s", code, srv.logs)
	}
	close(stop)
	load.wait()
	if load.bad() != "" {
		t.Fatal(load.bad())
	}
	if early := load.errorsBefore(sent); early > 0 {
		t.Fatalf("%d requests failed before SIGTERM", early)
	}
	t.Logf("load: %d answered in full, %d refused after SIGTERM", load.served(), load.refused())

	// The in-flight write is durable.
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if n := dbInt(t, pool, `SELECT count(*) FROM receipts`); n != 10 {
		t.Fatalf("%d receipts stored, want the 10 of the request in flight", n)
	}
}

// loadRun is a few clients querying in a loop until stopped or refused.
type loadRun struct {
	wg        sync.WaitGroup
	mu        sync.Mutex
	ok        int
	failures  []time.Time
	malformed string
}

func startLoad(srv *server, token string, clients int, stop <-chan struct{}) *loadRun {
	l := &loadRun{}
	c := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for range clients {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", strings.NewReader(`{"query":"{ me { id } }"}`))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := c.Do(req)
				if err != nil {
					l.mu.Lock()
					l.failures = append(l.failures, time.Now())
					l.mu.Unlock()
					time.Sleep(10 * time.Millisecond) // refused: no need to spin
					continue
				}
				b, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				l.mu.Lock()
				if err != nil || resp.StatusCode != http.StatusOK || string(b) != `{"data":{"me":{"id":"m1"}}}` {
					l.malformed = fmt.Sprintf("an answer was not whole: %d %q %v", resp.StatusCode, b, err)
				} else {
					l.ok++
				}
				l.mu.Unlock()
			}
		}()
	}
	return l
}

func (l *loadRun) wait() { l.wg.Wait() }

func (l *loadRun) served() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ok
}

func (l *loadRun) refused() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.failures)
}

func (l *loadRun) bad() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.malformed
}

func (l *loadRun) errorsBefore(t time.Time) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, f := range l.failures {
		if f.Before(t) {
			n++
		}
	}
	return n
}

// waitFor polls cond until it holds, failing the test after within.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
