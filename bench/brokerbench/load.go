package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/wharf-project/wharf/bench/internal/latency"
)

// loadSpec is one produce run: records of recordBytes spread record by
// record over partitions (Kafka partitions or NATS subjects), sent
// asynchronously with at most inflight records unacknowledged.
type loadSpec struct {
	recordBytes int
	partitions  int
	durable     bool          // Kafka: acks=all (else acks=1); NATS: chosen by the server's config
	duration    time.Duration // stop sending after this long (0: use records)
	records     int64         // or after this many records
	rate        float64       // records/s; 0 = as fast as the in-flight window allows
	inflight    int
}

// asyncProducer sends records for the load loop. send starts sending the
// record held in slot, the seq'th of the run; once the server has
// acknowledged it (or it failed) the producer's client calls the done
// function it was made with, exactly once per send that returned nil.
type asyncProducer interface {
	send(slot int, seq int64) error
	close()
}

type loadResult struct {
	records  int64 // acknowledged
	errors   int64 // failed sends and failed acknowledgements
	elapsed  time.Duration
	lat      latency.Summary
	rtt      latency.Summary // Kafka only: produce requests' round trips (rttHook)
	firstErr error
}

// window bounds the records in flight and times each from its start (the
// moment it was handed to the client, or with a rate its scheduled time:
// a paced run that falls behind counts the delay, so no coordinated
// omission) to its acknowledgement.
type window struct {
	base   time.Time
	free   chan int
	starts []time.Duration // per slot, since base

	mu       sync.Mutex
	lats     []time.Duration
	acked    int64
	errs     int64
	firstErr error
	lastAck  time.Duration
	pending  sync.WaitGroup
}

func newWindow(inflight, expect int) *window {
	w := &window{free: make(chan int, inflight), starts: make([]time.Duration, inflight), lats: make([]time.Duration, 0, expect)}
	for i := range inflight {
		w.free <- i
	}
	return w
}

// done is the producers' completion callback.
func (w *window) done(slot int, err error) {
	now := time.Since(w.base)
	d := now - w.starts[slot]
	w.mu.Lock()
	if err != nil {
		w.errs++
		if w.firstErr == nil {
			w.firstErr = err
		}
	} else {
		w.acked++
		w.lats = append(w.lats, d)
	}
	w.lastAck = max(w.lastAck, now)
	w.mu.Unlock()
	w.free <- slot
	w.pending.Done()
}

var errNoProgress = errors.New("brokerbench: no record acknowledged")

// runLoad drives p through spec and waits for every record sent to be
// acknowledged. newProducer gets the callback its client must call.
func runLoad(ctx context.Context, spec loadSpec, newProducer func(done func(slot int, err error)) (asyncProducer, error)) (loadResult, error) {
	if spec.inflight < 1 || (spec.duration <= 0 && spec.records <= 0) {
		return loadResult{}, fmt.Errorf("brokerbench: bad load spec %+v", spec)
	}
	w := newWindow(spec.inflight, expectedRecords(spec))
	p, err := newProducer(w.done)
	if err != nil {
		return loadResult{}, err
	}
	defer p.close()
	var interval time.Duration
	if spec.rate > 0 {
		interval = time.Duration(float64(time.Second) / spec.rate)
	}
	var sendErrs int64
	var sendErr error
	w.base = time.Now()
	var seq int64
	for ; spec.records <= 0 || seq < spec.records; seq++ {
		if ctx.Err() != nil {
			break
		}
		now := time.Since(w.base)
		if spec.duration > 0 && now >= spec.duration {
			break
		}
		start := now
		if interval > 0 {
			start = time.Duration(seq) * interval
			if ahead := start - now; ahead > 100*time.Microsecond {
				time.Sleep(ahead)
			}
		}
		var slot int
		select {
		case slot = <-w.free:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		if interval == 0 {
			start = time.Since(w.base)
		}
		w.starts[slot] = start
		w.pending.Add(1)
		if err := p.send(slot, seq); err != nil {
			w.pending.Done()
			w.free <- slot
			sendErrs++
			if sendErr == nil {
				sendErr = err
			}
			if sendErrs > 100 {
				break
			}
		}
	}
	waited := make(chan struct{})
	go func() { w.pending.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-ctx.Done():
		return loadResult{}, fmt.Errorf("brokerbench: %d of %d records unacknowledged: %w", seq-w.acked-w.errs-sendErrs, seq, ctx.Err())
	}
	r := loadResult{records: w.acked, errors: w.errs + sendErrs, elapsed: w.lastAck, lat: latency.Summarize(w.lats), firstErr: w.firstErr}
	if r.firstErr == nil {
		r.firstErr = sendErr
	}
	if r.records == 0 {
		return r, fmt.Errorf("%w (%d errors, first: %v)", errNoProgress, r.errors, r.firstErr)
	}
	return r, ctx.Err()
}

// expectedRecords sizes the latency samples up front: growing a slice of
// millions while holding the window's lock (a copy of tens of MB) would
// stall every acknowledgement behind it and show up as latency.
func expectedRecords(spec loadSpec) int {
	switch {
	case spec.records > 0:
		return int(min(spec.records, 1<<26))
	case spec.rate > 0:
		return int(min(spec.rate*spec.duration.Seconds()*1.1, 1<<26))
	}
	return 1 << 22 // a peak run: about 4M records, grown beyond if needed
}

// payload is the value of every record of size n: printable, and not all
// one byte, so nothing along the way compresses it to nothing by accident.
func payload(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a' + byte(i%26)
	}
	return b
}
