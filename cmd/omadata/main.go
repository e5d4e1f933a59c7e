// Command omadata is the Omadata service and its operator tools:
//
//	omadata serve                 run the API (migrates first)
//	omadata migrate               apply the embedded migrations
//	omadata seed [flags]          load deterministic demo data
//	omadata token --sub ID        print a dev token (dev mode)
//	omadata retention run         one pass of the retention policy
//	omadata rollups rebuild       recompute the insight rollups
//	omadata import FILE           bulk-load receipts (NDJSON, COPY)
//
// Configuration is the environment of DESIGN.md §3 (see README.md).
package main

import (
	"context"
	"errors"
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
	if err := dispatch(ctx, cfg, log, os.Args[1], os.Args[2:]); err != nil {
		fatal(err)
	}
}

// errUsage asks main to print the usage and exit 2.
var errUsage = errors.New("usage")

// dispatch runs one command.
func dispatch(ctx context.Context, cfg config, log *slog.Logger, cmd string, args []string) error {
	switch cmd {
	case "serve":
		return serve(ctx, cfg, log, args)
	case "migrate":
		return migrate(ctx, cfg, log)
	case "seed":
		return seedCmd(ctx, cfg, log, args)
	case "token":
		return token(cfg, args)
	case "retention":
		return retentionCmd(ctx, cfg, log, args)
	case "rollups":
		return rollupsCmd(ctx, cfg, log, args)
	case "import":
		return importCmd(ctx, cfg, log, args)
	case "help", "-h", "--help":
		usage()
		return nil
	}
	return errUsage
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
  import    [--batch N] [--workers N] FILE
            bulk-load receipts (NDJSON of ReceiptInput, "-" for stdin) with COPY; idempotent
`)
}

func fatal(err error) {
	if errors.Is(err, errUsage) {
		usage()
		os.Exit(2)
	}
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
