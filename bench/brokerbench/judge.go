package main

import (
	"fmt"
	"slices"
	"strings"
)

// The project's targets for Wharf's broker (issue 4).
const (
	targetVsKfake    = 1.0  // acks=1 produce of 100 B records, msgs/s, ≥ kfake's
	targetVsNATS     = 5.0  // … and ≥ 5× NATS JetStream's (default sync)
	targetDurableMBs = 500  // 1 KiB acks=all (durable) produce, MB/s
	targetConsumeMBs = 1000 // consume, MB/s (1 GB/s)
	targetHalfP99ms  = 5.0  // p99 produce latency at half the peak rate, ms
	targetIdleRSSMB  = 200  // RSS with 1,000 idle partitions, MB

	targetIdlePartitions = 1000
)

func (r *report) find(server string, size, parts int, durable bool) (result, bool) {
	for _, x := range r.Results {
		if x.Server == server && x.RecordBytes == size && x.Partitions == parts && x.Durable == durable {
			return x, true
		}
	}
	return result{}, false
}

// figures lists one figure of a case on every server that ran it.
func (r *report) figures(size, parts int, durable bool, unit string, get func(result) float64) string {
	var out []string
	for _, x := range r.Results {
		if x.RecordBytes == size && x.Partitions == parts && x.Durable == durable {
			out = append(out, fmt.Sprintf("%s (%s) %.0f %s", x.Server, x.Mode, get(x), unit))
		}
	}
	return strings.Join(out, ", ")
}

func plural(n int) string {
	if n == 1 {
		return "1 partition"
	}
	return fmt.Sprintf("%d partitions", n)
}

// judge fills r.Targets from the results of this run.
func (r *report) judge() {
	r.Targets = nil
	msgs := func(x result) float64 { return x.MsgsPerSec }
	mbs := func(x result) float64 { return x.MBPerSec }
	read := func(x result) float64 { return x.ConsumeMBPerSec }

	ratio := func(name string, want float64, peer string, size, parts int) {
		t := targetResult{Name: name, Want: fmt.Sprintf(">= %.1fx", want), Unit: "x", Figures: r.figures(size, parts, false, "msgs/s", msgs)}
		w, ok1 := r.find(serverWharf, size, parts, false)
		p, ok2 := r.find(peer, size, parts, false)
		switch {
		case !ok1 || !ok2:
			t.Absent = "needs wharf and " + peer + " measured"
		default:
			t.Value = w.MsgsPerSec / p.MsgsPerSec
			t.Met = t.Value >= want
		}
		r.Targets = append(r.Targets, t)
	}
	absolute := func(name string, want float64, higher bool, unit string, size, parts int, durable bool, get func(result) float64) {
		op := ">="
		if !higher {
			op = "<"
		}
		t := targetResult{Name: name, Want: fmt.Sprintf("%s %g %s", op, want, unit), Unit: unit, Figures: r.figures(size, parts, durable, unit, get)}
		if w, ok := r.find(serverWharf, size, parts, durable); !ok {
			t.Absent = "wharf not measured"
		} else {
			t.Value = get(w)
			t.Met = (higher && t.Value >= want) || (!higher && t.Value < want)
		}
		r.Targets = append(r.Targets, t)
	}

	for _, p := range r.cfg.partitions {
		ratio(fmt.Sprintf("acks=1 produce, 100 B, %s: msgs/s vs kfake", plural(p)), targetVsKfake, serverKfake, 100, p)
		ratio(fmt.Sprintf("acks=1 produce, 100 B, %s: msgs/s vs NATS", plural(p)), targetVsNATS, serverNATS, 100, p)
	}
	for _, p := range r.cfg.partitions {
		absolute(fmt.Sprintf("acks=all (durable) produce, 1 KiB, %s", plural(p)), targetDurableMBs, true, "MB/s", 1024, p, true, mbs)
	}
	for _, p := range r.cfg.partitions {
		absolute(fmt.Sprintf("consume, 1 KiB, %s", plural(p)), targetConsumeMBs, true, "MB/s", 1024, p, false, read)
	}
	if r.cfg.halfRate {
		r.Targets = append(r.Targets, r.halfRateTarget())
	}
	if r.cfg.idleParts > 0 {
		r.Targets = append(r.Targets, r.idleTarget())
	}
}

// halfRateTarget judges the worst p99 at half the peak rate over every
// case Wharf ran.
func (r *report) halfRateTarget() targetResult {
	t := targetResult{Name: "p99 produce latency at half the peak rate, worst case", Want: fmt.Sprintf("< %g ms", targetHalfP99ms), Unit: "ms"}
	worst := map[string]result{}
	worstReq := map[string]float64{} // the produce requests' round trips, for the record
	for _, x := range r.Results {
		if x.HalfP99us > worst[x.Server].HalfP99us {
			worst[x.Server] = x
		}
		worstReq[x.Server] = max(worstReq[x.Server], x.HalfRequestP99us)
	}
	var figs []string
	for _, s := range allServers {
		if x, ok := worst[s]; ok {
			fig := fmt.Sprintf("%s %.2f ms (%s, %s, %s)", s, x.HalfP99us/1000, sizeName(x.RecordBytes), plural(x.Partitions), x.Mode)
			if q := worstReq[s]; q > 0 {
				fig += fmt.Sprintf(" [requests' round trips: worst p99 %.2f ms]", q/1000)
			}
			figs = append(figs, fig)
		}
	}
	t.Figures = strings.Join(figs, ", ")
	w, ok := worst[serverWharf]
	if !ok {
		t.Absent = "wharf not measured"
		return t
	}
	t.Value = w.HalfP99us / 1000
	t.Met = t.Value < targetHalfP99ms
	return t
}

func (r *report) idleTarget() targetResult {
	t := targetResult{Name: fmt.Sprintf("RSS with %d idle partitions", r.cfg.idleParts), Want: fmt.Sprintf("< %d MB", targetIdleRSSMB), Unit: "MB"}
	var figs []string
	for _, x := range r.Idle {
		figs = append(figs, fmt.Sprintf("%s %s MB", x.Server, num(x.IdleRSSMB, "%.0f")))
		if x.Server != serverWharf {
			continue
		}
		switch {
		case x.IdleRSSMB <= 0:
			t.Absent = "wharf's pid unknown (-wharf-pid)"
		case x.Partitions != targetIdlePartitions:
			t.Absent = fmt.Sprintf("the target is for %d partitions", targetIdlePartitions)
		default:
			t.Value = x.IdleRSSMB
			t.Met = t.Value < targetIdleRSSMB
		}
	}
	t.Figures = strings.Join(figs, ", ")
	if !slices.ContainsFunc(r.Idle, func(x idleResult) bool { return x.Server == serverWharf }) {
		t.Absent = "wharf not measured"
	}
	return t
}
