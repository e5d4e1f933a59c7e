package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"time"

	"github.com/omadata/omadata/seed"
)

// seedCmd loads deterministic demo data through the same storage methods
// the service mutations call.
func seedCmd(ctx context.Context, cfg config, log *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	members := fs.Int("members", 60, "members to create")
	years := fs.Float64("years", 1, "years of purchase history")
	seedValue := fs.Int64("seed", 1, "random seed (the same seed gives the same data)")
	ifEmpty := fs.Bool("if-empty", false, "do nothing when the database already has members")
	batch := fs.Int("batch", 500, "receipts per ingest batch")
	if err := fs.Parse(args); err != nil {
		return err
	}
	d, err := openDatabase(ctx, cfg, log, true)
	if err != nil {
		return err
	}
	defer d.Close()
	if *ifEmpty {
		n, err := d.DB.MemberCount(ctx)
		if err != nil {
			return err
		}
		if n > 0 {
			log.Info("seed: the database already has members; nothing to do", "members", n)
			return nil
		}
	}
	start := time.Now()
	sum, err := seed.Run(ctx, d.DB, seed.Options{Members: *members, Years: *years, Seed: *seedValue,
		Now: time.Now(), Location: cfg.Location, Batch: *batch,
		Progress: func(format string, args ...any) { log.Info(fmt.Sprintf(format, args...)) }})
	if err != nil {
		return err
	}
	log.Info("seed: done", "members", sum.Members, "households", sum.Households, "receipts", sum.Receipts,
		"lines", sum.Lines, "products", sum.Products, "took", time.Since(start).Round(time.Millisecond))
	return nil
}
