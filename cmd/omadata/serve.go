package main

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/omadata/omadata/auth"
	"github.com/omadata/omadata/resolvers"
	"github.com/omadata/omadata/server"
)

// demoMember is the member the dev token printed at start is for (the MAIN
// member of the seed's demo household).
const demoMember = "c000001"

func serve(ctx context.Context, cfg config, log *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !cfg.Dev && cfg.PublicKeysFile == "" && cfg.JWKSURL == "" {
		return errors.New("outside dev mode, OMADATA_JWT_PUBLIC_KEYS or OMADATA_JWT_JWKS_URL is required")
	}
	d, err := openDatabase(ctx, cfg, log, true)
	if err != nil {
		return err
	}
	defer d.Close()
	var devKey ed25519.PrivateKey
	if cfg.Dev {
		if devKey, err = auth.LoadOrCreateDevKey(cfg.DataDir); err != nil {
			return err
		}
	}
	verifier, devToken, err := newVerifier(ctx, cfg, devKey)
	if err != nil {
		return err
	}
	res := &resolvers.Resolver{Store: d.DB, Now: time.Now, Location: cfg.Location, ExportURL: "/export"}
	limits := server.Limits{
		MemberRate:  server.Rate{PerSecond: float64(cfg.RateLimitRPS), Burst: cfg.RateLimitBurst},
		ServiceRate: server.Rate{PerSecond: 10 * float64(cfg.RateLimitRPS), Burst: 10 * cfg.RateLimitBurst},
	}
	// In dev mode the portal's sign-in (/dev/token) signs with the dev key.
	h := server.New(server.Config{Resolver: res, Store: d.DB, Verifier: verifier, Logger: log, Dev: cfg.Dev,
		Limits: limits, DevKey: devKey, Issuer: cfg.Issuer, Audience: cfg.Audience})
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	log.Info("listening", "addr", ln.Addr().String(), "dev", cfg.Dev)
	if cfg.DebugAddr != "" {
		go serveDebug(ctx, cfg.DebugAddr, log)
	}
	if cfg.Dev {
		printDevBanner(ln.Addr().String(), devToken)
	}
	// The retention policy runs daily, under an advisory lock so that one
	// replica works at a time; wait for it to let go before closing.
	retention := make(chan struct{})
	go func() { defer close(retention); d.DB.ScheduleRetention(ctx, time.Hour) }()
	err = run(ctx, ln, h, log)
	<-retention
	return err
}

// newVerifier builds the token verifier from the configured key sources;
// with a dev key (dev mode) it also accepts it and returns a demo token.
func newVerifier(ctx context.Context, cfg config, key ed25519.PrivateKey) (*auth.Verifier, string, error) {
	ac := auth.Config{Issuer: cfg.Issuer, Audience: cfg.Audience, PublicKeysFile: cfg.PublicKeysFile, JWKSURL: cfg.JWKSURL}
	var demo string
	if key != nil {
		var err error
		ac.DevKey = key.Public().(crypto.PublicKey)
		if demo, err = signDev(cfg, key, demoMember, nil, 12*time.Hour); err != nil {
			return nil, "", err
		}
	}
	v, err := auth.NewVerifier(ctx, ac)
	return v, demo, err
}

func printDevBanner(addr, token string) {
	_, port, _ := net.SplitHostPort(addr)
	fmt.Printf(`
Omadata is running in dev mode.
  GraphiQL:  http://localhost:%[1]s/
  GraphQL:   http://localhost:%[1]s/graphql
  Portal:    http://localhost:%[1]s/portal/

Demo token (member %[2]s, 12 h), for the Authorization header "Bearer <token>":
%[3]s

`, port, demoMember, token)
}

// run serves until ctx ends (SIGINT/SIGTERM), then drains: in-flight
// requests complete, new connections are refused, and it returns nil.
func run(ctx context.Context, ln net.Listener, h http.Handler, log *slog.Logger) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 5 * time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: draining in-flight requests")
	shutdown, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	log.Info("stopped")
	return nil
}
