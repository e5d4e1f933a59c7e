package pgcluster

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
)

// serverUser is the account the cluster runs as when this process is root.
const serverUser = "postgres"

// account is the unprivileged user the server programs run as when this
// process is root. A nil *account means "this process's own user": every
// method then does nothing, so callers need not ask.
type account struct {
	name, home string
	uid, gid   int
	groups     []int
}

// serverAccount returns the postgres account under root, else nil.
func serverAccount() (*account, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup(serverUser)
	if err != nil {
		return nil, fmt.Errorf("pgcluster: running as root, and initdb refuses root, "+
			"so the cluster must run as the %q account: %w", serverUser, err)
	}
	a := &account{name: u.Username, home: u.HomeDir}
	if a.uid, err = strconv.Atoi(u.Uid); err != nil {
		return nil, fmt.Errorf("pgcluster: uid of %s: %w", serverUser, err)
	}
	if a.gid, err = strconv.Atoi(u.Gid); err != nil {
		return nil, fmt.Errorf("pgcluster: gid of %s: %w", serverUser, err)
	}
	ids, _ := u.GroupIds() // supplementary groups (ssl-cert on Debian); none is fine
	for _, id := range ids {
		if g, err := strconv.Atoi(id); err == nil {
			a.groups = append(a.groups, g)
		}
	}
	return a, nil
}

// sysProcAttr makes a child process run as the account.
func (a *account) sysProcAttr() *syscall.SysProcAttr {
	if a == nil {
		return nil
	}
	groups := make([]uint32, len(a.groups))
	for i, g := range a.groups {
		groups[i] = uint32(g)
	}
	return &syscall.SysProcAttr{Credential: &syscall.Credential{
		Uid: uint32(a.uid), Gid: uint32(a.gid), Groups: groups,
	}}
}

// ownerUID is the uid that must own the cluster's directories.
func (a *account) ownerUID() int {
	if a == nil {
		return os.Geteuid()
	}
	return a.uid
}

// chown gives one path (not following symlinks) to the account.
func (a *account) chown(path string) error {
	if a == nil {
		return nil
	}
	if err := os.Lchown(path, a.uid, a.gid); err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	return nil
}

// chownTree gives root and everything below it to the account; a missing
// root is fine.
func (a *account) chownTree(root string) error {
	if a == nil {
		return nil
	}
	err := filepath.WalkDir(root, func(path string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, a.uid, a.gid)
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("pgcluster: %w", err)
	}
	return nil
}

// ensureTraversable lets the account reach dir: every ancestor that denies
// it search permission gets the one execute bit that applies to it (owner,
// group or other). Only search is granted, never listing; without it a
// directory made by root, such as a test's 0700 temp dir, hides the cluster
// from its own server.
func (a *account) ensureTraversable(dir string, log *slog.Logger) error {
	if a == nil {
		return nil
	}
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	for d := filepath.Dir(real); ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return fmt.Errorf("pgcluster: %w", err)
		}
		if bit := a.searchBit(fi); fi.Mode().Perm()&bit == 0 {
			mode := fi.Mode() & (fs.ModePerm | fs.ModeSticky | fs.ModeSetuid | fs.ModeSetgid)
			if err := os.Chmod(d, mode|bit); err != nil {
				return fmt.Errorf("pgcluster: let %s reach the cluster: %w", a.name, err)
			}
			log.Warn("made directory traversable for the postgres account", "dir", d, "mode", mode|bit)
		}
		if d == filepath.Dir(d) {
			return nil
		}
	}
}

// searchBit is the execute bit of fi's mode that governs the account.
func (a *account) searchBit(fi fs.FileInfo) fs.FileMode {
	st, ok := fi.Sys().(*syscall.Stat_t)
	switch {
	case !ok:
		return 0o001
	case int(st.Uid) == a.uid:
		return 0o100
	case int(st.Gid) == a.gid || slices.Contains(a.groups, int(st.Gid)):
		return 0o010
	}
	return 0o001
}

// prepareDirs makes the cluster directory, the data under it and the socket
// directory usable by the account the server runs as.
func (c *Cluster) prepareDirs() error {
	if err := c.prepareSocketDir(); err != nil {
		return err
	}
	if err := c.acct.ensureTraversable(c.dir, c.log); err != nil {
		return err
	}
	// The server writes its socket, socket lock file and log into dir. The
	// lock file goes along so that the account itself may use the cluster
	// directly later.
	for _, path := range []string{c.dir, filepath.Join(c.dir, lockFile)} {
		if err := c.acct.chown(path); err != nil {
			return err
		}
	}
	if err := c.acct.chownTree(c.dataDir); err != nil {
		return err
	}
	return c.acct.chownTree(filepath.Join(c.dir, "postgres.log"))
}

// prepareSocketDir creates the short socket directory under /tmp when one is
// used. /tmp is shared, so an existing one is accepted only if it is a real
// directory owned by the server's account, not a trap laid by another user.
func (c *Cluster) prepareSocketDir() error {
	if c.sockDir == c.dir {
		return nil
	}
	err := os.Mkdir(c.sockDir, 0o700)
	if err == nil {
		c.log.Info("cluster path too long for a socket; using a short socket directory",
			"dir", c.dir, "socket", c.sockDir)
		return c.acct.chown(c.sockDir)
	}
	if !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("pgcluster: %w", err)
	}
	fi, err := os.Lstat(c.sockDir)
	if err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !fi.IsDir() || !ok || int(st.Uid) != c.acct.ownerUID() {
		return fmt.Errorf("pgcluster: socket directory %s exists but is not a directory owned by uid %d",
			c.sockDir, c.acct.ownerUID())
	}
	return nil
}
