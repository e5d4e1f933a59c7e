package main

import (
	"context"
	"flag"
	"log/slog"
)

// seedCmd loads demo data (see package seed).
func seedCmd(ctx context.Context, cfg config, log *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	_ = fs.Int("members", 60, "members to create")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return nil
}
