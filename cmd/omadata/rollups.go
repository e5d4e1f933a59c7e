package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/omadata/omadata/storage"
)

// rollupsCmd runs `omadata rollups rebuild [--batch N]`: it recomputes the
// insight rollups of every member from their receipts and lines, N members
// per transaction (docs/insights.md). Run it after upsertProducts corrects
// a product's CO2e factor, nutrition, weight, origin or category, after a
// category's group changes, or after OMADATA_TIME_ZONE changes. It is safe
// while the service runs, and an interrupted rebuild can simply be run
// again. It prints how many members it rebuilt as JSON.
func rollupsCmd(ctx context.Context, cfg config, log *slog.Logger, args []string) error {
	if len(args) == 0 || args[0] != "rebuild" {
		return errors.New("usage: omadata rollups rebuild [--batch N]")
	}
	fs := flag.NewFlagSet("rollups rebuild", flag.ContinueOnError)
	batch := fs.Int("batch", storage.RebuildBatch, "members per transaction")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *batch < 1 {
		return errors.New("--batch must be at least 1")
	}
	d, err := openDatabase(ctx, cfg, log, true)
	if err != nil {
		return err
	}
	defer d.Close()
	start := time.Now()
	n, err := d.DB.RebuildRollups(ctx, *batch, func(done int) {
		if done%(*batch*100) == 0 {
			log.Info("rollups rebuild", "members", done)
		}
	})
	out, _ := json.Marshal(map[string]any{"members": n, "seconds": time.Since(start).Seconds()})
	fmt.Fprintln(os.Stdout, string(out))
	return err
}
