package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// request is one HTTP request of a workload: a GraphQL POST. name says
// which workload of a mix it belongs to.
type request struct {
	url, token string
	body       []byte
	name       string
}

// maxInFlight bounds the requests the open-loop generator keeps open; a
// request it cannot start counts as an error ("dropped"), so an overloaded
// server cannot make the generator slow down (that would hide latency).
const maxInFlight = 4096

// client is the generator's HTTP client: keep-alive connections, no
// compression (neither server compresses), a timeout that counts as an
// error.
var client = &http.Client{
	Timeout: 10 * time.Second,
	Transport: &http.Transport{MaxIdleConns: maxInFlight, MaxIdleConnsPerHost: maxInFlight,
		IdleConnTimeout: 90 * time.Second, DisableCompression: true},
}

// outcome is one request's result.
type outcome struct {
	latency time.Duration
	ok      bool
	body    []byte // kept for the first error only
	name    string // the request's workload within a mix
}

// do sends r and reports whether it succeeded: HTTP 200 and no GraphQL
// errors in the body.
func do(ctx context.Context, r request) outcome {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.url, bytes.NewReader(r.body))
	if err != nil {
		return outcome{body: []byte(err.Error())}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if r.token != "" {
		req.Header.Set("Authorization", "Bearer "+r.token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return outcome{body: []byte(err.Error())}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return outcome{body: []byte(err.Error())}
	}
	if resp.StatusCode != http.StatusOK || (bytes.Contains(body, []byte(`"errors":`)) && !onlyConsentErrors(body)) {
		return outcome{body: body}
	}
	return outcome{ok: true}
}

// onlyConsentErrors reports whether every error of a response is
// CONSENT_REQUIRED: the lines of a household member who keeps only totals
// are null with that code (rule 3), a correct and complete answer.
func onlyConsentErrors(body []byte) bool {
	var r struct {
		Errors []struct {
			Extensions struct{ Code string } `json:"extensions"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &r) != nil || len(r.Errors) == 0 {
		return false
	}
	for _, e := range r.Errors {
		if e.Extensions.Code != "CONSENT_REQUIRED" {
			return false
		}
	}
	return true
}

// runResult is what one fixed-rate run measured over its window.
type runResult struct {
	Target     string  `json:"target"`
	Workload   string  `json:"workload"`
	Rate       float64 `json:"offeredRate"`
	Seconds    float64 `json:"seconds"`
	Requests   int     `json:"requests"`
	Errors     int     `json:"errors"`
	Throughput float64 `json:"throughput"` // successful requests a second
	P50        float64 `json:"p50Ms"`
	P99        float64 `json:"p99Ms"`
	P999       float64 `json:"p999Ms"`
	Max        float64 `json:"maxMs"`
	// ServerCPUms and DBCPUms are CPU milliseconds per request of the
	// server process and of PostgreSQL (all its processes).
	ServerCPUms float64 `json:"serverCpuMsPerRequest"`
	DBCPUms     float64 `json:"dbCpuMsPerRequest"`
	ErrorSample string  `json:"errorSample,omitempty"`
	// ByWorkload breaks a mix down by its workloads.
	ByWorkload map[string]part `json:"byWorkload,omitempty"`
}

// part is one workload's share of a mixed run.
type part struct {
	Requests int     `json:"requests"`
	P50      float64 `json:"p50Ms"`
	P99      float64 `json:"p99Ms"`
}

// errorRate is the share of requests that failed.
func (r runResult) errorRate() float64 {
	if r.Requests == 0 {
		return 1
	}
	return float64(r.Errors) / float64(r.Requests)
}

// openLoop sends requests at a fixed rate for warmup+window, each at its
// scheduled time whatever the state of earlier ones, and measures the
// requests scheduled in the window. Latency counts from the scheduled
// time, so queueing anywhere (including in the generator) is in it.
func openLoop(ctx context.Context, rate float64, warmup, window time.Duration,
	next func(i int) request, meter func() *cpuMeter) runResult {
	interval := time.Duration(float64(time.Second) / rate)
	nWarm := int(warmup / interval)
	n := nWarm + int(window/interval)
	results := make([]outcome, n)
	var wg sync.WaitGroup
	var inFlight atomic.Int64
	var cpu *cpuMeter
	start := time.Now()
	for i := 0; i < n && ctx.Err() == nil; i++ {
		at := start.Add(time.Duration(i) * interval)
		if d := time.Until(at); d > 0 {
			time.Sleep(d)
		}
		if i == nWarm && meter != nil {
			cpu = meter()
		}
		if inFlight.Load() >= maxInFlight {
			results[i] = outcome{latency: -1, body: []byte("dropped: too many requests in flight")}
			continue
		}
		inFlight.Add(1)
		wg.Add(1)
		go func(i int, r request) {
			defer wg.Done()
			defer inFlight.Add(-1)
			o := do(ctx, r)
			o.latency, o.name = time.Since(at), r.name
			results[i] = o
		}(i, next(i))
	}
	var serverCPU, dbCPU float64
	if cpu != nil {
		serverCPU, dbCPU = cpu.read()
	}
	wg.Wait()
	res := summarize(results[nWarm:], window)
	res.Rate = rate
	if res.Requests > 0 {
		res.ServerCPUms = 1000 * serverCPU / float64(res.Requests)
		res.DBCPUms = 1000 * dbCPU / float64(res.Requests)
	}
	return res
}

// summarize computes the statistics of a window's outcomes.
func summarize(out []outcome, window time.Duration) runResult {
	res := runResult{Seconds: window.Seconds(), Requests: len(out)}
	lat := make([]float64, 0, len(out))
	for _, o := range out {
		if !o.ok {
			res.Errors++
			if res.ErrorSample == "" {
				res.ErrorSample = truncate(string(o.body), 300)
			}
		}
		if o.latency >= 0 {
			lat = append(lat, float64(o.latency)/float64(time.Millisecond))
		}
	}
	res.Throughput = float64(res.Requests-res.Errors) / window.Seconds()
	res.ByWorkload = byWorkload(out)
	slices.Sort(lat)
	res.P50, res.P99, res.P999 = quantile(lat, 0.5), quantile(lat, 0.99), quantile(lat, 0.999)
	if len(lat) > 0 {
		res.Max = lat[len(lat)-1]
	}
	return res
}

// byWorkload returns the latencies of each named workload, or nil when the
// run had one workload.
func byWorkload(out []outcome) map[string]part {
	lat := map[string][]float64{}
	for _, o := range out {
		if o.name != "" && o.latency >= 0 {
			lat[o.name] = append(lat[o.name], float64(o.latency)/float64(time.Millisecond))
		}
	}
	if len(lat) < 2 {
		return nil
	}
	parts := map[string]part{}
	for name, l := range lat {
		slices.Sort(l)
		parts[name] = part{Requests: len(l), P50: quantile(l, 0.5), P99: quantile(l, 0.99)}
	}
	return parts
}

// quantile returns the q-quantile of sorted values (nearest rank).
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
