package pgcluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// initOnce runs initdb unless the data directory already exists. initdb
// writes into a scratch directory that is renamed into place only when it
// has succeeded, so a crash half-way never leaves a data directory that
// looks complete.
func (c *Cluster) initOnce(ctx context.Context) error {
	if _, err := os.Stat(filepath.Join(c.dataDir, "PG_VERSION")); err == nil {
		return nil
	}
	scratch := c.dataDir + ".initdb"
	if err := os.RemoveAll(scratch); err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	c.log.Info("postgres initdb", "dir", c.dataDir, "bin", c.bin)
	_, err := c.run(ctx, "initdb", "-D", scratch, "-U", Superuser,
		"-A", "trust", "-E", "UTF8", "--locale=C")
	if err != nil {
		return err
	}
	if err := includeConfig(scratch); err != nil {
		return err
	}
	if err := os.Rename(scratch, c.dataDir); err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	return nil
}

// startOrReuse leaves a healthy server on the data directory running when it
// already listens where this Cluster expects it (a previous process may have
// crashed without stopping it), restarts it when it listens elsewhere or does
// not answer, and otherwise starts it.
func (c *Cluster) startOrReuse(ctx context.Context) error {
	running, err := c.running(ctx)
	if err != nil {
		return err
	}
	if running {
		if c.listensAsConfigured() && c.ping(ctx) == nil {
			c.log.Info("postgres already running; reusing it", "dir", c.dir)
			return nil
		}
		c.log.Warn("postgres running with other settings or not answering; restarting it", "dir", c.dir)
		if err := c.stop(ctx); err != nil {
			return err
		}
	}
	return c.start(ctx)
}

// start runs the server in the background. pg_ctl detaches it into its own
// session, so it outlives this process until Stop.
func (c *Cluster) start(ctx context.Context) error {
	logFile := filepath.Join(c.dir, "postgres.log")
	_, err := c.run(ctx, "pg_ctl", "start", "-w", "-t", "300", "-s",
		"-D", c.dataDir, "-l", logFile)
	if err != nil {
		return fmt.Errorf("%w\n--- %s (tail) ---\n%s", err, logFile, tail(logFile, 20))
	}
	c.log.Info("postgres started", "dir", c.dir, "socket", c.sockDir, "port", c.port, "tcp", c.tcp)
	return nil
}

// stop shuts the server down and waits; the caller holds the directory lock.
func (c *Cluster) stop(ctx context.Context) error {
	_, err := c.run(ctx, "pg_ctl", "stop", "-w", "-t", "300", "-s", "-m", "fast", "-D", c.dataDir)
	return err
}

// running reports whether a live postmaster owns the data directory.
func (c *Cluster) running(ctx context.Context) (bool, error) {
	_, err := c.run(ctx, "pg_ctl", "status", "-D", c.dataDir)
	var exit *exec.ExitError
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &exit) && exit.ExitCode() == 3: // not running
		return false, nil
	case errors.As(err, &exit) && exit.ExitCode() == 4: // no data directory yet
		return false, nil
	}
	return false, err
}

// listensAsConfigured compares the running server's socket directory, port
// and TCP listening, as recorded in postmaster.pid, with this Cluster's.
func (c *Cluster) listensAsConfigured() bool {
	b, err := os.ReadFile(filepath.Join(c.dataDir, "postmaster.pid"))
	if err != nil {
		return false
	}
	// Lines: pid, data dir, start time, port, socket dir, listen address, ...
	lines := strings.Split(string(b), "\n")
	if len(lines) < 6 {
		return false
	}
	port, _ := strconv.Atoi(strings.TrimSpace(lines[3]))
	tcp := strings.TrimSpace(lines[5]) != ""
	return port == c.port && strings.TrimSpace(lines[4]) == c.sockDir && tcp == c.tcp
}

// ping checks that the server accepts connections on the expected socket.
func (c *Cluster) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	return conn.Ping(ctx)
}

// run executes one of the server programs as the server's account, in the
// cluster directory (the caller's working directory may be closed to it).
// The error carries the program's output, which is where initdb and pg_ctl
// explain themselves.
func (c *Cluster) run(ctx context.Context, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, name), args...)
	cmd.Dir = c.dir
	cmd.Env = c.env()
	cmd.SysProcAttr = c.acct.sysProcAttr()
	// A server that kept our output pipes open must not hang us.
	cmd.WaitDelay = 10 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil {
		return out.String(), &runError{prog: name, args: args, out: out.String(), err: err}
	}
	return out.String(), nil
}

// env is the environment of the server programs: this process's, minus the
// PG* variables that would redirect them (PGDATA, PGPORT, ...), with the
// server account's home.
func (c *Cluster) env() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PG") || (c.acct != nil && strings.HasPrefix(kv, "HOME=")) {
			continue
		}
		env = append(env, kv)
	}
	if c.acct != nil {
		env = append(env, "HOME="+c.acct.home, "USER="+c.acct.name, "LOGNAME="+c.acct.name)
	}
	return env
}

// runError is a failed server program with what it printed.
type runError struct {
	prog string
	args []string
	out  string
	err  error
}

func (e *runError) Error() string {
	return fmt.Sprintf("pgcluster: %s %s: %v\n%s", e.prog, strings.Join(e.args, " "), e.err,
		strings.TrimSpace(e.out))
}

func (e *runError) Unwrap() error { return e.err }

// tail returns the last n lines of a file, for error messages.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
