package main

import (
	"context"
	"math/rand/v2"
	"time"
)

// Bounds of a throughput search.
const (
	searchStart    = 50   // first rate, requests a second
	searchMaxSteps = 12   // runs per search at most
	searchPrecise  = 0.08 // stop when the passing and failing rates are this close
	maxErrorRate   = 0.001
)

// search looks for the highest fixed rate at which a workload keeps its
// p99 within the bound without errors: it doubles the rate until a run
// fails, then bisects between the best pass and the lowest failure.
type search struct {
	t      *target
	wl     string
	lo, hi float64 // highest passing and lowest failing rate so far (0: none)
	rate   float64 // the next run's rate
	steps  []runResult
	best   *runResult
	done   bool
}

func newSearch(t *target, wl string) *search { return &search{t: t, wl: wl, rate: searchStart} }

// record takes a run's result and picks the next rate.
func (s *search) record(r runResult, slo time.Duration) {
	s.steps = append(s.steps, r)
	if r.P99 <= ms(slo) && r.errorRate() <= maxErrorRate {
		s.lo, s.best = r.Rate, &r
	} else {
		s.hi = r.Rate
	}
	switch {
	case s.hi == 0:
		s.rate = 2 * s.lo
	case s.lo == 0:
		s.rate = s.hi / 2
		s.done = s.rate < 2
	default:
		s.rate = (s.lo + s.hi) / 2
		s.done = s.hi-s.lo <= searchPrecise*s.hi
	}
	s.done = s.done || len(s.steps) >= searchMaxSteps
}

// ms converts a duration to float milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// runSearches runs searches step by step, one step of each in turn (the
// order flipping every round), so that targets compared with each other
// run under the same conditions, alternating, in the same run.
func (h *harness) runSearches(ctx context.Context, g *gen, searches ...*search) {
	wls := g.workloads()
	for round := 0; ctx.Err() == nil; round++ {
		ran := false
		for k := range searches {
			s := searches[k]
			if round%2 == 1 {
				s = searches[len(searches)-1-k]
			}
			if s.done {
				continue
			}
			ran = true
			r := h.fixedRate(ctx, g, wls[s.wl], s.t, s.wl, s.rate, uint64(round))
			h.log.Info("run", "target", s.t.name, "workload", s.wl, "rate", r.Rate, "p50", r.P50, "p99", r.P99,
				"throughput", r.Throughput, "errors", r.Errors)
			s.record(r, h.opt.slo)
		}
		if !ran {
			return
		}
	}
}

// fixedRate runs one open-loop run of a workload against a target.
func (h *harness) fixedRate(ctx context.Context, g *gen, w workload, t *target, name string, rate float64, seed uint64) runResult {
	return h.fixedRateFor(ctx, g, w, t, name, rate, seed, h.opt.window)
}

// fixedRateFor is fixedRate with a measured window of its own.
func (h *harness) fixedRateFor(ctx context.Context, g *gen, w workload, t *target, name string, rate float64, seed uint64, window time.Duration) runResult {
	rng := rand.New(rand.NewPCG(seed, uint64(rate)))
	r := openLoop(ctx, rate, h.opt.warmup, window, func(int) request { return w(t, rng) }, h.meter(t))
	r.Target, r.Workload = t.name, name
	// Let queues drain before the next run.
	time.Sleep(time.Second)
	return r
}
