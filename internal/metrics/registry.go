package metrics

import (
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Options configure a Registry.
type Options struct {
	// Logger reports a scrape-time source that panicked. nil discards.
	Logger *slog.Logger
	// NoRuntimeMetrics leaves out the go_* and process_* families (tests
	// that compare whole expositions use it).
	NoRuntimeMetrics bool
}

// Registry holds one broker's metrics and serves them. The broker owns it;
// there is no global registry. All methods are safe for concurrent use.
type Registry struct {
	prom *prometheus.Registry
	log  *slog.Logger

	all *Topic // the all-topics BrokerTopicMetrics

	mu       sync.RWMutex // guards topics and requests
	topics   map[string]*Topic
	requests map[string]*Request

	isrShrinks, isrExpands, failedIsrUpdates, uncleanElections atomic.Int64
	leaderElections, logFlushes, zkRequests                    *timer

	sources sources
	descs   descs
}

// New returns a Registry with no topics, no requests and no sources.
func New(opts Options) *Registry {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &Registry{
		prom:            prometheus.NewRegistry(),
		log:             log,
		all:             &Topic{},
		topics:          map[string]*Topic{},
		requests:        map[string]*Request{},
		leaderElections: newTimer(1000),
		logFlushes:      newTimer(1000),
		zkRequests:      newTimer(1000),
		descs:           descs{m: map[descKey]*prometheus.Desc{}},
	}
	r.prom.MustRegister(collector{r})
	if !opts.NoRuntimeMetrics {
		r.prom.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	return r
}

// Handler serves the metrics in Prometheus's text format, for /metrics.
func (r *Registry) Handler() http.Handler {
	return promhttp.HandlerFor(r.prom, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// Prometheus is the underlying registry, for registering other collectors
// (the embedded ZooKeeper's, say) on the same endpoint.
func (r *Registry) Prometheus() *prometheus.Registry { return r.prom }

// IsrShrink counts one ISR shrink of a partition this broker leads.
func (r *Registry) IsrShrink() { r.isrShrinks.Add(1) }

// IsrExpand counts one ISR expansion of a partition this broker leads.
func (r *Registry) IsrExpand() { r.isrExpands.Add(1) }

// FailedIsrUpdate counts an ISR change that could not be written.
func (r *Registry) FailedIsrUpdate() { r.failedIsrUpdates.Add(1) }

// UncleanLeaderElection counts a leader elected from outside the ISR.
func (r *Registry) UncleanLeaderElection() { r.uncleanElections.Add(1) }

// LeaderElection records how long the controller took to elect leaders.
func (r *Registry) LeaderElection(d time.Duration) { r.leaderElections.observe(ms(d)) }

// LogFlush records how long one log flush (fsync) took.
func (r *Registry) LogFlush(d time.Duration) { r.logFlushes.observe(ms(d)) }

// ZooKeeperRequest records how long one ZooKeeper request of the broker took.
func (r *Registry) ZooKeeperRequest(d time.Duration) { r.zkRequests.observe(ms(d)) }

// ms is Kafka's nanosToMs: milliseconds with a fraction.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// collector exports the registry's own metrics. It describes nothing
// (an "unchecked" collector) because a BrokerTopicMetrics family carries
// two label sets, none for all topics and topic=T, as the JMX exporter
// exports them; client_golang accepts that only from unchecked collectors.
type collector struct{ r *Registry }

func (collector) Describe(chan<- *prometheus.Desc) {}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	e := &emitter{ch: ch, descs: &c.r.descs}
	r := c.r
	r.collectTopics(e)
	r.collectRequests(e)
	e.value(isrShrinks, float64(r.isrShrinks.Load()))
	e.value(isrExpands, float64(r.isrExpands.Load()))
	e.value(failedIsrUpdates, float64(r.failedIsrUpdates.Load()))
	e.value(uncleanElections, float64(r.uncleanElections.Load()))
	r.leaderElections.emit(e, leaderElections)
	r.logFlushes.emit(e, logFlushes)
	r.zkRequests.emit(e, zkRequests)
	r.collectSources(e)
}

// emitter turns values into const metrics of a family.
type emitter struct {
	ch    chan<- prometheus.Metric
	descs *descs
}

// value sends one series of f; labels are name/value pairs and must be one
// of f's label sets.
func (e *emitter) value(f *family, v float64, labels ...string) {
	names := make([]string, 0, len(labels)/2)
	values := make([]string, 0, len(labels)/2)
	for i := 0; i+1 < len(labels); i += 2 {
		names = append(names, labels[i])
		values = append(values, labels[i+1])
	}
	m, err := prometheus.NewConstMetric(e.descs.get(f, names), f.typ, v, values...)
	if err != nil { // a label value that is not UTF-8: skip the series
		return
	}
	e.ch <- m
}

// descs caches one *prometheus.Desc per family and label set. A family's
// label sets differ in length, so the length tells them apart.
type descs struct {
	mu sync.Mutex
	m  map[descKey]*prometheus.Desc
}

type descKey struct {
	f *family
	n int
}

func (d *descs) get(f *family, labels []string) *prometheus.Desc {
	key := descKey{f, len(labels)}
	d.mu.Lock()
	defer d.mu.Unlock()
	if desc, ok := d.m[key]; ok {
		return desc
	}
	desc := prometheus.NewDesc(f.name, f.help, labels, nil)
	d.m[key] = desc
	return desc
}
