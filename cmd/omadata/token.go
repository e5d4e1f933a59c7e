package main

import (
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/omadata/omadata/auth"
)

// token prints a token signed with the dev key (dev mode only).
func token(cfg config, args []string) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	sub := fs.String("sub", "", "subject: a customerId, or a service name with --scope")
	scope := fs.String("scope", "", "space-separated service scopes (receipts:ingest catalog:write members:write marketing:read)")
	ttl := fs.Duration("ttl", 12*time.Hour, "lifetime")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !cfg.Dev {
		return errors.New("token needs dev mode (OMADATA_DEV=1)")
	}
	if *sub == "" {
		return errors.New("--sub is required")
	}
	key, err := auth.LoadOrCreateDevKey(cfg.DataDir)
	if err != nil {
		return err
	}
	t, err := signDev(cfg, key, *sub, strings.Fields(*scope), *ttl)
	if err != nil {
		return err
	}
	fmt.Println(t)
	return nil
}

func signDev(cfg config, key ed25519.PrivateKey, sub string, scopes []string, ttl time.Duration) (string, error) {
	return auth.SignToken(key, cfg.Issuer, cfg.Audience, sub, scopes, ttl)
}
