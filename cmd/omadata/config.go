package main

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/omadata/omadata/storage"
)

// config is the environment of DESIGN.md §3, read once in main.
type config struct {
	DatabaseURL       string
	ReadDatabaseURL   string
	DataDir           string
	Addr              string
	Issuer            string
	Audience          string
	PublicKeysFile    string
	JWKSURL           string
	Dev               bool
	HomeCountry       string
	Location          *time.Location
	RetentionYears    int
	MaxRetentionYears int
	InactivityMonths  int
	// RateLimitRPS and RateLimitBurst are each member's request rate;
	// services get ten times both (server.Limits).
	RateLimitRPS, RateLimitBurst int
	// InsightsCacheEntries is how many insights answers the process keeps
	// (storage.Config.InsightsCacheEntries; 0 turns the cache off).
	InsightsCacheEntries int
	// DebugAddr, when set, serves Go's profiler (net/http/pprof) on its own
	// listener, meant for localhost: never on the public port.
	DebugAddr string
}

func loadConfig() (config, error) {
	c := config{
		DatabaseURL:     os.Getenv("DATABASE_URL"),
		ReadDatabaseURL: os.Getenv("OMADATA_READ_DATABASE_URL"),
		DataDir:         env("OMADATA_DATA_DIR", "./.omadata"),
		Addr:            env("OMADATA_ADDR", ":8080"),
		Issuer:          env("OMADATA_JWT_ISSUER", "omadata-dev"),
		Audience:        env("OMADATA_JWT_AUDIENCE", "omadata"),
		PublicKeysFile:  os.Getenv("OMADATA_JWT_PUBLIC_KEYS"),
		JWKSURL:         os.Getenv("OMADATA_JWT_JWKS_URL"),
		Dev:             os.Getenv("OMADATA_DEV") == "1",
		HomeCountry:     env("OMADATA_HOME_COUNTRY", "FI"),
		DebugAddr:       os.Getenv("OMADATA_DEBUG_ADDR"),
	}
	var err error
	if c.Location, err = time.LoadLocation(env("OMADATA_TIME_ZONE", "Europe/Helsinki")); err != nil {
		return c, fmt.Errorf("OMADATA_TIME_ZONE: %w", err)
	}
	for _, v := range []struct {
		name string
		def  int
		dst  *int
	}{
		{"OMADATA_RETENTION_YEARS", 5, &c.RetentionYears},
		{"OMADATA_MAX_RETENTION_YEARS", 10, &c.MaxRetentionYears},
		{"OMADATA_INACTIVITY_MONTHS", 24, &c.InactivityMonths},
		{"OMADATA_RATE_LIMIT_RPS", 50, &c.RateLimitRPS},
		{"OMADATA_RATE_LIMIT_BURST", 100, &c.RateLimitBurst},
		{"OMADATA_INSIGHTS_CACHE_ENTRIES", storage.DefaultInsightsCacheEntries, &c.InsightsCacheEntries},
	} {
		if *v.dst, err = envInt(v.name, v.def); err != nil {
			return c, err
		}
	}
	if c.InsightsCacheEntries < 0 {
		return c, fmt.Errorf("OMADATA_INSIGHTS_CACHE_ENTRIES must be 0 (no cache) or more")
	}
	if c.RetentionYears < 1 || c.RetentionYears > c.MaxRetentionYears {
		return c, fmt.Errorf("OMADATA_RETENTION_YEARS must be between 1 and OMADATA_MAX_RETENTION_YEARS")
	}
	return c, nil
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func envInt(name string, def int) (int, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%s must be a positive integer", name)
	}
	return n, nil
}
