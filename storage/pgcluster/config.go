package pgcluster

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// managedConf is the file, inside the data directory, holding the settings
// this package owns. It is rewritten on every Start, so changing Options (or
// this code) takes effect without touching postgresql.conf, where a person
// may have made changes of their own.
const managedConf = "omadata.conf"

const includeLine = "include_if_exists = '" + managedConf + "'"

// maxSocketDirLen keeps "<dir>/.s.PGSQL.65535" within the 107 bytes a Unix
// socket path may have.
const maxSocketDirLen = 90

// socketDir is where the server puts its socket: the cluster directory, or,
// when that path is too long for a socket, a directory under /tmp whose name
// is derived from it, so every process using the cluster computes the same.
func socketDir(dir string) string {
	if len(dir) <= maxSocketDirLen {
		return dir
	}
	sum := sha256.Sum256([]byte(dir))
	return filepath.Join("/tmp", "omadata-pg-"+hex.EncodeToString(sum[:8]))
}

// includeConfig makes postgresql.conf read managedConf; settings read later
// win, so the include goes at the end.
func includeConfig(dataDir string) error {
	path := filepath.Join(dataDir, "postgresql.conf")
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	if bytes.Contains(b, []byte(includeLine)) {
		return nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	_, err = fmt.Fprintf(f, "\n# Omadata's settings, rewritten on every start (storage/pgcluster).\n%s\n", includeLine)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// writeConfig writes managedConf for this start.
func (c *Cluster) writeConfig() error {
	if err := includeConfig(c.dataDir); err != nil {
		return err
	}
	listen := ""
	if c.tcp {
		listen = "localhost"
	}
	settings := [][2]string{
		{"listen_addresses", quoteConf(listen)},
		{"port", strconv.Itoa(c.port)},
		{"unix_socket_directories", quoteConf(c.sockDir)},
		{"max_connections", "200"},
		{"shared_buffers", "128MB"},
		// A dev or test box may crash too; no acknowledged commit may be lost.
		{"fsync", "on"},
		{"synchronous_commit", "on"},
		{"full_page_writes", "on"},
		// Times are UTC (DESIGN.md §5); the box's zone must not leak into SQL.
		{"timezone", "'UTC'"},
		{"log_timezone", "'UTC'"},
	}
	if c.hasExtension("pg_stat_statements") {
		settings = append(settings, [2]string{"shared_preload_libraries", "'pg_stat_statements'"})
	}
	var b strings.Builder
	b.WriteString("# Written by Omadata's storage/pgcluster on every start; edits are lost.\n")
	for _, s := range settings {
		fmt.Fprintf(&b, "%s = %s\n", s[0], s[1])
	}
	return c.writeOwned(filepath.Join(c.dataDir, managedConf), []byte(b.String()))
}

// writeOwned replaces a file in the data directory atomically and gives it
// to the server's account, which must be able to read it.
func (c *Cluster) writeOwned(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	if err := c.acct.chown(tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("pgcluster: %w", err)
	}
	return nil
}

// quoteConf quotes a postgresql.conf string value.
func quoteConf(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// hasExtension reports whether the server's installation ships extension name.
func (c *Cluster) hasExtension(name string) bool {
	share, err := shareDir(c.bin)
	if err != nil {
		c.log.Debug("postgres share directory unknown", "err", err)
		return false
	}
	_, err = os.Stat(filepath.Join(share, "extension", name+".control"))
	return err == nil
}
