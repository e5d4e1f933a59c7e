// Command omadata is the Omadata service and its operator tools:
//
//	omadata serve                 run the API (migrates first)
//	omadata migrate               apply the embedded migrations
//	omadata seed [flags]          load deterministic demo data
//	omadata token --sub ID        print a dev token (dev mode)
//	omadata retention run         one pass of the retention policy
//	omadata rollups rebuild       recompute the insight rollups
//
// Configuration is the environment of DESIGN.md §3 (see README.md).
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := loadConfig()
	if err != nil {
		fatal(err)
	}
	log := newLogger(cfg)
	slog.SetDefault(log)
	args := os.Args[2:]
	switch os.Args[1] {
	case "serve":
		err = serve(ctx, cfg, log, args)
	case "migrate":
		err = migrate(ctx, cfg, log)
	case "seed":
		err = seedCmd(ctx, cfg, log, args)
	case "token":
		err = token(cfg, args)
	case "retention":
		err = retentionCmd(ctx, cfg, log, args)
	case "rollups":
		err = rollupsCmd(ctx, cfg, log, args)
	case "help", "-h", "--help":
		usage()
	default:
		usage()
		os.Exit(2)
	}
	if err != nil {
		fatal(err)
	}
}

func usage() {
	fmt.Fprint(os.Stderr, `usage: omadata <command> [flags]

commands:
  serve     run the API server (applies migrations first)
  migrate   apply the embedded database migrations
  seed      load deterministic demo data (--members N --years Y --seed S)
  token     print a dev-mode token (--sub ID [--scope "s1 s2"] [--ttl 12h])
  retention run [--now TIME]
            delete receipts past their retention window and erase inactive members (one pass)
  rollups rebuild [--batch N]
            recompute the insight rollups (after product nutrition or CO2e corrections)
`)
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "omadata:", err)
	os.Exit(1)
}

// newLogger logs JSON outside dev mode (for log pipelines) and text in dev.
func newLogger(cfg config) *slog.Logger {
	if cfg.Dev {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, nil))
}
