package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTicks is USER_HZ, the unit of /proc/<pid>/stat's CPU times (100 on
// every Linux the harness runs on).
const clockTicks = 100

// proc is a child process of the harness (a server under test) with its
// log file.
type proc struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan error
}

// startProc starts name with args and env (added to the harness's own),
// logging to dir/name.log.
func startProc(dir, name string, env []string, bin string, args ...string) (*proc, error) {
	logPath := filepath.Join(dir, name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = f, f
	// Its own process group, so a stop reaches whatever it starts.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, log: logPath, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait(); f.Close() }()
	return p, nil
}

// pid is the process id.
func (p *proc) pid() int { return p.cmd.Process.Pid }

// waitReady polls ready until it reports true, the process exits or the
// timeout passes.
func (p *proc) waitReady(ready func() bool, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case err := <-p.done:
			p.done <- err
			return fmt.Errorf("%s exited (%v); see %s", p.name, err, p.log)
		default:
		}
		if ready() {
			return nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("%s not ready after %s; see %s", p.name, timeout, p.log)
}

// stop sends SIGTERM (the servers drain and exit), then SIGKILL to the
// group after a grace period.
func (p *proc) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		p.done <- err
	case <-time.After(40 * time.Second):
		_ = syscall.Kill(-p.pid(), syscall.SIGKILL)
		<-p.done
	}
}

// run runs a command to completion, with its output in dir/name.log.
func run(ctx context.Context, dir, name string, env []string, bin string, args ...string) error {
	logPath := filepath.Join(dir, name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer f.Close()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w (see %s)", bin, strings.Join(args, " "), err, logPath)
	}
	return nil
}

// cpuTicks returns a process's user+system CPU time in clock ticks, and
// that of its children that have exited.
func cpuTicks(pid int) (own, exited int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, err
	}
	// The command name is in parentheses and may hold spaces: fields count
	// from the last ')'. utime, stime, cutime and cstime are fields 14-17.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, 0, errors.New("malformed /proc stat")
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 15 {
		return 0, 0, errors.New("malformed /proc stat")
	}
	var v [4]int64
	for k := range v {
		v[k], _ = strconv.ParseInt(f[11+k], 10, 64)
	}
	return v[0] + v[1], v[2] + v[3], nil
}

// parentPID returns a process's parent.
func parentPID(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

// groupTicks is the CPU time of pid and of all its children, live or
// exited (PostgreSQL: the postmaster and its backends). It only grows.
func groupTicks(pid int) int64 {
	own, exited, _ := cpuTicks(pid)
	total := own + exited
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil || parentPID(child) != pid {
			continue
		}
		t, _, _ := cpuTicks(child)
		total += t
	}
	return total
}

// peakRSS returns a process's peak resident set (VmHWM) in bytes.
func peakRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// cpuMeter measures the CPU seconds a server process and the database
// spend over a window.
type cpuMeter struct {
	server, postmaster int
	s0, d0             int64
}

func newCPUMeter(server, postmaster int) *cpuMeter {
	m := &cpuMeter{server: server, postmaster: postmaster}
	m.s0, _, _ = cpuTicks(server)
	m.d0 = groupTicks(postmaster)
	return m
}

// read returns the server's and the database's CPU seconds since the start.
func (m *cpuMeter) read() (server, db float64) {
	s1, _, _ := cpuTicks(m.server)
	d1 := groupTicks(m.postmaster)
	return float64(s1-m.s0) / clockTicks, float64(d1-m.d0) / clockTicks
}
