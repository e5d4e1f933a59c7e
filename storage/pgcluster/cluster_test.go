package pgcluster_test

import (
	"context"
	"net"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/omadata/omadata/storage/pgcluster"
)

// start starts a cluster and stops it when the test ends.
func start(t *testing.T, opt pgcluster.Options) *pgcluster.Cluster {
	t.Helper()
	c, err := pgcluster.Start(t.Context(), opt)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Errorf("Stop: %v", err)
		}
	})
	return c
}

func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatalf("connect %s: %v", url, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func exec(t *testing.T, conn *pgx.Conn, sql string) {
	t.Helper()
	if _, err := conn.Exec(t.Context(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// postmasterPID reads the running server's pid from its pid file.
func postmasterPID(t *testing.T, dir string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "pgdata", "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.SplitN(string(b), "\n", 2)[0])
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

func TestStartStopStart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c, err := pgcluster.Start(t.Context(), pgcluster.Options{Dir: dir})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = c.Stop() }) // if the test fails before its own Stop
	conn := connect(t, c.URL("omadata"))
	exec(t, conn, "CREATE TABLE survivor (v text); INSERT INTO survivor VALUES ('kept')")
	var user string
	var super bool
	err = conn.QueryRow(t.Context(),
		"SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user").Scan(&user, &super)
	if err != nil || user != "omadata" || !super {
		t.Fatalf("current user = %q super=%v (%v), want superuser omadata", user, super, err)
	}
	conn.Close(t.Context())
	if err := c.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if _, err := pgx.Connect(t.Context(), c.URL("omadata")); err == nil {
		t.Fatal("connected after Stop")
	}
	if err := c.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}

	t.Run("ReusesData", func(t *testing.T) {
		initdbMark, err := os.Stat(filepath.Join(dir, "pgdata", "PG_VERSION"))
		if err != nil {
			t.Fatal(err)
		}
		c := start(t, pgcluster.Options{Dir: dir})
		var v string
		if err := connect(t, c.URL("omadata")).QueryRow(t.Context(), "SELECT v FROM survivor").Scan(&v); err != nil || v != "kept" {
			t.Fatalf("survivor = %q, %v; want kept", v, err)
		}
		again, err := os.Stat(filepath.Join(dir, "pgdata", "PG_VERSION"))
		if err != nil || !again.ModTime().Equal(initdbMark.ModTime()) {
			t.Fatalf("PG_VERSION rewritten: initdb ran again (%v)", err)
		}
	})
}

func TestURL(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := start(t, pgcluster.Options{Dir: dir})
	want := "postgres://omadata@/omadata?host=" + dir + "&sslmode=disable"
	if got := c.URL("omadata"); got != want {
		t.Fatalf("URL = %s, want %s", got, want)
	}
	// The postgres database is there too, and the settings took effect.
	conn := connect(t, c.URL("postgres"))
	for setting, want := range map[string]string{
		"fsync": "on", "max_connections": "200", "shared_buffers": "128MB",
		"listen_addresses": "", "TimeZone": "UTC",
	} {
		var got string
		if err := conn.QueryRow(t.Context(), "SELECT current_setting($1)", setting).Scan(&got); err != nil || got != want {
			t.Errorf("%s = %q (%v), want %q", setting, got, err, want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "postgres.log")); err != nil {
		t.Errorf("server log: %v", err)
	}
}

func TestPreloadsPgStatStatements(t *testing.T) {
	t.Parallel()
	bin, err := pgcluster.BinDir()
	if err != nil {
		t.Fatal(err)
	}
	share, err := osexec.Command(filepath.Join(bin, "pg_config"), "--sharedir").Output()
	if err != nil {
		t.Fatal(err)
	}
	control := filepath.Join(strings.TrimSpace(string(share)), "extension", "pg_stat_statements.control")
	if _, err := os.Stat(control); err != nil {
		t.Skipf("pg_stat_statements is not installed here: %v", err)
	}
	c := start(t, pgcluster.Options{Dir: t.TempDir()})
	conn := connect(t, c.URL("omadata"))
	exec(t, conn, "CREATE EXTENSION pg_stat_statements")
	var n int64
	if err := conn.QueryRow(t.Context(), "SELECT count(*) FROM pg_stat_statements").Scan(&n); err != nil {
		t.Fatalf("pg_stat_statements not preloaded: %v", err)
	}
}

func TestStartReusesRunningServer(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// The first process "crashes": its cluster is never stopped.
	first, err := pgcluster.Start(t.Context(), pgcluster.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	pid := postmasterPID(t, dir)
	second := start(t, pgcluster.Options{Dir: dir})
	if got := postmasterPID(t, dir); got != pid {
		t.Fatalf("postmaster pid %d after second Start, want the running %d", got, pid)
	}
	connect(t, second.URL("omadata"))
	connect(t, first.URL("omadata"))
}

func TestStartRestartsOnOtherPort(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := pgcluster.Start(t.Context(), pgcluster.Options{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	c := start(t, pgcluster.Options{Dir: dir, Port: port})
	// Over TCP, as Port promises, and through the socket, as URL says.
	connect(t, "postgres://omadata@127.0.0.1:"+strconv.Itoa(port)+"/omadata?sslmode=disable")
	connect(t, c.URL("omadata"))
	if !strings.Contains(c.URL("x"), "port="+strconv.Itoa(port)) {
		t.Fatalf("URL %s does not name port %d", c.URL("x"), port)
	}
}

func TestStartAfterServerCrash(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c, err := pgcluster.Start(t.Context(), pgcluster.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop() }) // if the test fails before the kill
	conn := connect(t, c.URL("omadata"))
	exec(t, conn, "CREATE TABLE acked (v int); INSERT INTO acked VALUES (42)")
	conn.Close(t.Context())

	// Kill the postmaster outright; its pid file stays behind.
	pid := postmasterPID(t, dir)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitGone(t, pid)

	c = start(t, pgcluster.Options{Dir: dir})
	var v int
	if err := connect(t, c.URL("omadata")).QueryRow(t.Context(), "SELECT v FROM acked").Scan(&v); err != nil || v != 42 {
		t.Fatalf("acked = %d, %v; want 42 after crash recovery", v, err)
	}
}

func TestLongDirUsesShortSocket(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), strings.Repeat("long-directory-name-", 6))
	c := start(t, pgcluster.Options{Dir: dir})
	if !strings.Contains(c.URL("omadata"), "host=/tmp/omadata-pg-") {
		t.Fatalf("URL %s: want a short socket directory under /tmp", c.URL("omadata"))
	}
	connect(t, c.URL("omadata"))
}

func TestConcurrentStart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = pgcluster.Start(t.Context(), pgcluster.Options{Dir: dir})
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("Start: %v", err)
		}
	}
	c := start(t, pgcluster.Options{Dir: dir})
	connect(t, c.URL("omadata"))
}

func TestBinDir(t *testing.T) {
	bin, err := pgcluster.BinDir()
	if err != nil {
		t.Fatal(err)
	}
	for _, prog := range []string{"initdb", "pg_ctl", "postgres"} {
		if _, err := os.Stat(filepath.Join(bin, prog)); err != nil {
			t.Errorf("%s: %v", prog, err)
		}
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// waitGone waits until pid and the backends it leaves behind have exited,
// which they do on their own once they notice the postmaster is gone.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("postmaster %d still alive", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
