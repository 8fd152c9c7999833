package metrics

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// RequestTimes are the phases of one request, as Kafka's RequestChannel
// measures them. Zero durations are recorded as zero, as Kafka does.
type RequestTimes struct {
	RequestQueue  time.Duration // received → taken by a handler
	Local         time.Duration // handled
	Remote        time.Duration // waiting in purgatory
	Throttle      time.Duration // held back by a quota
	ResponseQueue time.Duration // response waiting for the network thread
	ResponseSend  time.Duration // response being written
	Total         time.Duration // received → response sent
	RequestBytes  int           // size of the request
}

// Request holds the RequestMetrics of one request name ("Produce",
// "FetchConsumer", ...). The broker looks one up per API key once
// (Registry.Request) and calls Done for every request.
type Request struct {
	name     string
	versions [32]atomic.Int64 // RequestsPerSec by version; others in extra
	errs     [160]atomic.Int64
	phases   [numPhases]*timer

	mu         sync.Mutex // guards the rare out-of-range maps
	extraVers  map[int16]int64
	extraCodes map[int16]int64
}

// Done records one request of the given API version and its times.
func (q *Request) Done(version int16, t RequestTimes) {
	if int(version) >= 0 && int(version) < len(q.versions) {
		q.versions[version].Add(1)
	} else {
		q.mu.Lock()
		q.extraVers[version]++
		q.mu.Unlock()
	}
	q.phases[totalTime].observe(ms(t.Total))
	q.phases[requestQueueTime].observe(ms(t.RequestQueue))
	q.phases[localTime].observe(ms(t.Local))
	q.phases[remoteTime].observe(ms(t.Remote))
	q.phases[throttleTime].observe(ms(t.Throttle))
	q.phases[responseQueueTime].observe(ms(t.ResponseQueue))
	q.phases[responseSendTime].observe(ms(t.ResponseSend))
	q.phases[requestBytes].observe(float64(t.RequestBytes))
}

// Errors counts n occurrences of an error code in a response (code 0,
// NONE, included), as Kafka's ErrorsPerSec does from the response's
// errorCounts.
func (q *Request) Errors(code int16, n int) {
	if i := int(code) + 1; i >= 0 && i < len(q.errs) {
		q.errs[i].Add(int64(n))
		return
	}
	q.mu.Lock()
	q.extraCodes[code] += int64(n)
	q.mu.Unlock()
}

// Request returns the metrics of an API key, named as Kafka's ApiKeys
// name it ("Produce", "Metadata", ...). A request's series appear once it
// is looked up: call it at startup for each API the broker serves to have
// them all from the start, as Kafka does.
func (r *Registry) Request(apiKey int16) *Request { return r.requestNamed(kmsg.NameForKey(apiKey)) }

// FetchRequest returns the metrics Kafka keeps for fetches besides
// "Fetch": "FetchFollower" for a follower's fetch, "FetchConsumer" for any
// other. A fetch is recorded in both.
func (r *Registry) FetchRequest(follower bool) *Request {
	if follower {
		return r.requestNamed("FetchFollower")
	}
	return r.requestNamed("FetchConsumer")
}

func (r *Registry) requestNamed(name string) *Request {
	r.mu.RLock()
	q := r.requests[name]
	r.mu.RUnlock()
	if q != nil {
		return q
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if q = r.requests[name]; q == nil {
		q = &Request{name: name, extraVers: map[int16]int64{}, extraCodes: map[int16]int64{}}
		for i := range q.phases {
			q.phases[i] = newTimer(1000)
		}
		q.phases[requestBytes].scale = 1
		r.requests[name] = q
	}
	return q
}

// errorName is Errors.name of a code: "NONE", "NOT_LEADER_OR_FOLLOWER"...
// An unknown code is UNKNOWN_SERVER_ERROR, as Errors.forCode makes it.
func errorName(code int16) string {
	switch code {
	case 0:
		return "NONE"
	case 6: // kerr keeps the name Kafka 2.6 retired
		return "NOT_LEADER_OR_FOLLOWER"
	}
	if e, ok := kerr.ErrorForCode(code).(*kerr.Error); ok {
		return e.Message
	}
	return "UNKNOWN_SERVER_ERROR"
}

func (r *Registry) collectRequests(e *emitter) {
	r.mu.RLock()
	reqs := make([]*Request, 0, len(r.requests))
	for _, q := range r.requests {
		reqs = append(reqs, q)
	}
	r.mu.RUnlock()
	for _, q := range reqs {
		for v := range q.versions {
			if n := q.versions[v].Load(); n != 0 {
				e.value(requestsFamily, float64(n), "request", q.name, "version", strconv.Itoa(v))
			}
		}
		// Codes are summed by name: every unknown code is one
		// UNKNOWN_SERVER_ERROR series.
		byName := map[string]int64{}
		for i := range q.errs {
			if n := q.errs[i].Load(); n != 0 {
				byName[errorName(int16(i-1))] += n
			}
		}
		q.mu.Lock()
		for v, n := range q.extraVers {
			e.value(requestsFamily, float64(n), "request", q.name, "version", strconv.Itoa(int(v)))
		}
		for code, n := range q.extraCodes {
			byName[errorName(code)] += n
		}
		q.mu.Unlock()
		for name, n := range byName {
			e.value(errorsFamily, float64(n), "request", q.name, "error", name)
		}
		for p, t := range q.phases {
			t.emit(e, phaseFamilies[p], "request", q.name)
		}
	}
}
