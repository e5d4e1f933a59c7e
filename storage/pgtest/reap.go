package pgtest

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// tempPrefix names the temporary directories of private test clusters.
const tempPrefix = "omadata-pgtest-"

// ownerFile, in a private cluster's directory, holds the pid of the test
// binary that uses it.
const ownerFile = "owner.pid"

// newTempDir makes the directory of a private cluster, after removing those
// of earlier binaries that died without cleaning up (a test timeout panics
// past every deferred Stop, and pg_ctl keeps the server running).
func newTempDir(log *slog.Logger) (string, error) {
	reapStale(log)
	dir, err := os.MkdirTemp("", tempPrefix)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	return dir, nil
}

// reapStale stops and removes the private clusters whose test binary is
// gone. It is best effort: whatever it cannot prove stale it leaves alone.
func reapStale(log *slog.Logger) {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), tempPrefix+"*"))
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, ownerFile))
		if err != nil {
			continue // still being set up, or not ours to judge
		}
		owner, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || alive(owner) {
			continue
		}
		if !stopPostmaster(dir) {
			continue
		}
		if err := os.RemoveAll(dir); err == nil {
			log.Info("pgtest: removed a stale test cluster", "dir", dir)
		}
	}
}

// stopPostmaster shuts down (immediately: the data is thrown away) the
// server running on dir's data, if any, and reports whether dir is free of
// one. The pid is trusted only if /proc shows that process running postgres
// on this very directory, so a recycled pid is never signalled.
func stopPostmaster(dir string) bool {
	dataDir := filepath.Join(dir, "pgdata")
	b, err := os.ReadFile(filepath.Join(dataDir, "postmaster.pid"))
	if errors.Is(err, os.ErrNotExist) {
		return true
	}
	if err != nil {
		return false
	}
	pid, err := strconv.Atoi(strings.SplitN(string(b), "\n", 2)[0])
	if err != nil {
		return false
	}
	cmdline, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
	if err != nil {
		return !alive(pid)
	}
	if !bytes.Contains(cmdline, []byte(dataDir)) {
		return true // pid file left by a dead server; the pid is someone else's now
	}
	if err := syscall.Kill(pid, syscall.SIGQUIT); err != nil {
		return false // another user's: not ours to stop
	}
	for deadline := time.Now().Add(10 * time.Second); alive(pid); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			return false
		}
	}
	return true
}

// alive reports whether process pid exists (EPERM: it does, as another
// user). A zombie is dead: where pid 1 reaps slowly, as in many containers,
// a killed server lingers as one.
func alive(pid int) bool {
	if b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat")); err == nil {
		// The state follows the command name, which is in parentheses.
		if i := bytes.LastIndexByte(b, ')'); i >= 0 && i+2 < len(b) && b[i+2] == 'Z' {
			return false
		}
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
