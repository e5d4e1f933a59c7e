package faults_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/omadata/omadata/auth"
	"github.com/omadata/omadata/storage/pgtest"
)

// productionDeviations are the MUST audits that production mode fails on
// purpose (docs/security.md): 28B9 asks `__type(name:)` to answer without
// errors, and introspection is off outside dev mode.
const productionDeviations = "28B9"

// TestGraphQLOverHTTPAudit runs the graphql-http audit suite against a
// real `omadata serve`, in dev mode (every MUST must pass) and in
// production mode (every MUST but the documented deviations).
func TestGraphQLOverHTTPAudit(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("graphql-http audit skipped: node is not installed")
	}
	script, _ := filepath.Abs("../audit/run.mjs")
	if _, err := os.Stat(filepath.Join(filepath.Dir(script), "node_modules", "graphql-http")); err != nil {
		t.Skip("graphql-http audit skipped: run `npm ci` in audit/ first (.ci/run does)")
	}
	url := pgtest.NewDatabase(t)
	enrol(t, url)

	t.Run("Dev", func(t *testing.T) {
		srv := startServer(t, serverOptions{DatabaseURL: url})
		runAudit(t, node, script, srv.URL+"/graphql", srv.token("m1"))
	})
	t.Run("Production", func(t *testing.T) {
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		der, err := x509.MarshalPKIXPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		keys := filepath.Join(t.TempDir(), "keys.pem")
		if err := os.WriteFile(keys, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		srv := startServer(t, serverOptions{DatabaseURL: url, Env: []string{"OMADATA_DEV=0", "OMADATA_JWT_PUBLIC_KEYS=" + keys}})
		token, err := auth.SignToken(priv, devIssuer, devAudience, "m1", nil, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		runAudit(t, node, script, srv.URL+"/graphql", token, "--allow="+productionDeviations)
	})
}

func runAudit(t *testing.T, node, script, url, token string, flags ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, append([]string{script, url, token}, flags...)...)
	out, err := cmd.CombinedOutput()
	t.Logf("graphql-http audit of %s:\n%s", url, out)
	if err != nil {
		t.Fatalf("the audit failed (%v): a MUST audit does not pass", err)
	}
}
