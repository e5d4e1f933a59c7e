package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"time"

	"github.com/omadata/omadata/graph/model"
	"github.com/omadata/omadata/storage"
)

// maxPrintedRejections bounds the rejections printed one by one; the rest
// are only counted.
const maxPrintedRejections = 100

// importCmd is `omadata import [--batch N] [--workers N] FILE`: it loads receipts from an
// NDJSON file of ReceiptInput ("-" reads standard input) with the rules of
// ingestReceipts, and prints a JSON summary. Rejected receipts are listed
// on standard error with their line numbers, and make the command fail
// after everything else is stored; a rerun stores nothing twice.
func importCmd(ctx context.Context, cfg config, log *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	batch := fs.Int("batch", storage.DefaultImportBatch, "receipts per transaction")
	workers := fs.Int("workers", storage.DefaultImportWorkers, "transactions in flight at once")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: omadata import [--batch N] [--workers N] FILE (NDJSON of ReceiptInput; - for standard input)")
	}
	in, err := openInput(fs.Arg(0))
	if err != nil {
		return err
	}
	defer in.Close()
	d, err := openDatabase(ctx, cfg, log, true)
	if err != nil {
		return err
	}
	defer d.Close()
	// A batch tool whose memory is bounded by a few batches in flight: trade
	// memory for less garbage collection (a quarter of its CPU at the
	// default), within a limit that keeps it under a gigabyte.
	debug.SetGCPercent(400)
	debug.SetMemoryLimit(768 << 20)
	printed := 0
	start := time.Now()
	sum, err := d.DB.ImportReceipts(ctx, in, storage.ImportOptions{Batch: *batch, Workers: *workers,
		Rejected: func(line int, r model.Rejection) {
			if printed++; printed <= maxPrintedRejections {
				fmt.Fprintf(os.Stderr, "line %d: %s: %s\n", line, r.Code, r.Message)
			}
		},
		Progress: func(s storage.ImportSummary) {
			log.Info("import: progress", "receipts", s.Receipts, "lines", s.LinesStored)
		}})
	took := time.Since(start)
	if sum != nil {
		printSummary(sum, took)
	}
	if err != nil {
		return err
	}
	if sum.Rejected > 0 {
		return fmt.Errorf("import: %d receipts rejected (the rest are stored)", sum.Rejected)
	}
	return nil
}

// openInput opens the file, or standard input for "-".
func openInput(name string) (io.ReadCloser, error) {
	if name == "-" {
		return io.NopCloser(os.Stdin), nil
	}
	return os.Open(name)
}

// printSummary prints the counts and the rate as one JSON object.
func printSummary(sum *storage.ImportSummary, took time.Duration) {
	out := struct {
		*storage.ImportSummary
		Seconds     float64 `json:"seconds"`
		LinesPerSec float64 `json:"linesPerSecond"`
	}{sum, took.Seconds(), float64(sum.LinesStored+sum.LinesDiscarded) / took.Seconds()}
	b, _ := json.Marshal(out)
	fmt.Println(string(b))
}
