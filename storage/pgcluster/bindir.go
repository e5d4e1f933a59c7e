package pgcluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// debianBinGlob is where Debian and Ubuntu install each PostgreSQL major
// version side by side.
const debianBinGlob = "/usr/lib/postgresql/*/bin"

// BinDir returns the directory holding initdb, pg_ctl and postgres:
// `pg_config --bindir` when that directory has initdb (pg_config may come
// from a client-only package), else the newest /usr/lib/postgresql/*/bin.
func BinDir() (string, error) {
	if dir, err := pgConfig("pg_config", "--bindir"); err == nil && hasInitdb(dir) {
		return dir, nil
	}
	dirs, _ := filepath.Glob(debianBinGlob)
	dirs = slices.DeleteFunc(dirs, func(d string) bool { return !hasInitdb(d) })
	if len(dirs) == 0 {
		return "", errors.New("pgcluster: no PostgreSQL server found: " +
			"neither `pg_config --bindir` nor " + debianBinGlob + " has initdb; install the postgresql package")
	}
	slices.SortFunc(dirs, func(a, b string) int {
		return compareVersions(filepath.Base(filepath.Dir(a)), filepath.Base(filepath.Dir(b)))
	})
	return dirs[len(dirs)-1], nil
}

// binDirFor returns the binaries for dataDir: those of the data's own major
// version when installed (postgres serves no other), else BinDir.
func binDirFor(dataDir string) (string, error) {
	if v, err := os.ReadFile(filepath.Join(dataDir, "PG_VERSION")); err == nil {
		dir := filepath.Join("/usr/lib/postgresql", strings.TrimSpace(string(v)), "bin")
		if hasInitdb(dir) {
			return dir, nil
		}
	}
	return BinDir()
}

// shareDir returns the installation's share directory (extensions live
// there), asking the pg_config next to the server binaries first because the
// one on PATH may belong to another version.
func shareDir(bin string) (string, error) {
	dir, err := pgConfig(filepath.Join(bin, "pg_config"), "--sharedir")
	if err != nil {
		dir, err = pgConfig("pg_config", "--sharedir")
	}
	return dir, err
}

// pgConfig runs pg_config with one flag and returns its answer.
func pgConfig(prog, flag string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, prog, flag).Output()
	if err != nil {
		return "", fmt.Errorf("pgcluster: %s %s: %w", prog, flag, err)
	}
	return strings.TrimSpace(string(out)), nil
}

func hasInitdb(dir string) bool {
	fi, err := os.Stat(filepath.Join(dir, "initdb"))
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// compareVersions orders dotted version numbers numerically ("9.6" < "15").
func compareVersions(a, b string) int {
	as, bs := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < max(len(as), len(bs)); i++ {
		var x, y int
		if i < len(as) {
			x, _ = strconv.Atoi(as[i])
		}
		if i < len(bs) {
			y, _ = strconv.Atoi(bs[i])
		}
		if x != y {
			return x - y
		}
	}
	return 0
}
