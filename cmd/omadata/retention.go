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

// retentionCmd runs `omadata retention run [--now TIME]`: one retention
// pass (DESIGN.md §6 rule 9) as of TIME (default: now), under the same
// advisory lock as serve's daily run. It prints what it deleted as JSON,
// also when interrupted: the batches done stay done, and running it again
// finishes the work.
func retentionCmd(ctx context.Context, cfg config, log *slog.Logger, args []string) error {
	if len(args) == 0 || args[0] != "run" {
		return errors.New("usage: omadata retention run [--now TIME]")
	}
	fs := flag.NewFlagSet("retention run", flag.ContinueOnError)
	nowFlag := fs.String("now", "", "measure the windows back from this time (RFC 3339 or YYYY-MM-DD; default now)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	var now time.Time
	if *nowFlag != "" {
		var err error
		if now, err = parseNow(*nowFlag, cfg.Location); err != nil {
			return err
		}
	}
	d, err := openDatabase(ctx, cfg, log, true)
	if err != nil {
		return err
	}
	defer d.Close()
	rep, err := d.DB.RunRetentionLocked(ctx, storage.RetentionOptions{Now: now})
	out, _ := json.Marshal(rep)
	fmt.Fprintln(os.Stdout, string(out))
	return err
}

// parseNow reads --now: an RFC 3339 time, or a date (its start in loc).
func parseNow(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, loc); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("--now: not an RFC 3339 time or a YYYY-MM-DD date: %q", s)
}
