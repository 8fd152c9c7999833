package server

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/wharf-project/wharf/internal/zk/jute"
)

// pipelined is one request of a pipelined run and the check of its reply.
type pipelined struct {
	op    jute.OpCode
	body  jute.Record
	write bool // consumes a zxid (even when it fails)
	check func(h jute.ReplyHeader, body []byte) error
}

// TestPipelinedRepliesInRequestOrder sends thousands of mixed reads and
// writes on one connection without waiting, then checks that the replies
// come back in request order (xids), that every write — failed ones too —
// consumed exactly the next zxid, that every read carries the zxid of the
// last write before it, and that a read issued after a write on the same
// connection sees that write.
func TestPipelinedRepliesInRequestOrder(t *testing.T) {
	s := startServer(t, func(o *Options) { o.TickTime = 1000 })
	r := rawSession(t, s.Addr().String(), 10000)
	r.mustCall(jute.OpCreate, createReq("/pipe", "", 0), &jute.CreateResponse{}, jute.OK)

	expectStat := func(want func(st jute.Stat) error) func(jute.ReplyHeader, []byte) error {
		return func(h jute.ReplyHeader, b []byte) error {
			var st jute.StatResponse
			if h.Err != 0 {
				return fmt.Errorf("err %d", h.Err)
			}
			if err := decodeExact(b, &st); err != nil {
				return err
			}
			return want(st.Stat)
		}
	}
	expectCode := func(code jute.Code) func(jute.ReplyHeader, []byte) error {
		return func(h jute.ReplyHeader, b []byte) error {
			if jute.Code(h.Err) != code {
				return fmt.Errorf("code %v, want %v", jute.Code(h.Err), code)
			}
			return nil
		}
	}
	var reqs []pipelined
	const n = 500
	for i := range n {
		path := fmt.Sprintf("/pipe/n%04d", i)
		a, b := fmt.Sprintf("a%d", i), fmt.Sprintf("b%d", i)
		reqs = append(reqs,
			pipelined{op: jute.OpCreate2, body: createReq(path, a, 0), write: true,
				check: func(h jute.ReplyHeader, body []byte) error {
					var cr jute.Create2Response
					if err := decodeExact(body, &cr); err != nil || h.Err != 0 {
						return fmt.Errorf("create2: %d %v", h.Err, err)
					}
					if cr.Path != path || cr.Stat.Czxid != h.Zxid || cr.Stat.Mzxid != h.Zxid || cr.Stat.Pzxid != h.Zxid {
						return fmt.Errorf("create2 %s: %+v at zxid %#x", path, cr, h.Zxid)
					}
					return nil
				}},
			pipelined{op: jute.OpGetData, body: pw(path, false),
				check: func(h jute.ReplyHeader, body []byte) error {
					var gd jute.GetDataResponse
					if err := decodeExact(body, &gd); err != nil || h.Err != 0 {
						return fmt.Errorf("getData: %d %v", h.Err, err)
					}
					if string(gd.Data) != a || gd.Stat.Version != 0 || gd.Stat.Mzxid != h.Zxid {
						return fmt.Errorf("read after create sees %q %+v (reply zxid %#x)", gd.Data, gd.Stat, h.Zxid)
					}
					return nil
				}},
			pipelined{op: jute.OpSetData, body: &jute.SetDataRequest{Path: path, Data: []byte(b), Version: 0}, write: true,
				check: func(h jute.ReplyHeader, body []byte) error {
					return expectStat(func(st jute.Stat) error {
						if st.Version != 1 || st.Mzxid != h.Zxid || st.DataLength != int32(len(b)) {
							return fmt.Errorf("setData stat %+v at %#x", st, h.Zxid)
						}
						return nil
					})(h, body)
				}},
			// A stale version fails, but still takes a zxid.
			pipelined{op: jute.OpSetData, body: &jute.SetDataRequest{Path: path, Data: []byte("stale"), Version: 0},
				write: true, check: expectCode(jute.BadVersion)},
			pipelined{op: jute.OpExists, body: pw(path, false),
				check: expectStat(func(st jute.Stat) error {
					if st.Version != 1 || st.Mzxid == st.Czxid {
						return fmt.Errorf("exists after setData: %+v", st)
					}
					return nil
				})},
			pipelined{op: jute.OpGetChildren2, body: pw("/pipe", false),
				check: func(h jute.ReplyHeader, body []byte) error {
					var gc jute.GetChildren2Response
					if err := decodeExact(body, &gc); err != nil || h.Err != 0 {
						return fmt.Errorf("getChildren2: %d %v", h.Err, err)
					}
					want := int32(countAlive(i))
					if gc.Stat.NumChildren != want || int32(len(gc.Children)) != want || gc.Stat.Cversion < want {
						return fmt.Errorf("getChildren2 after %d: %d children, stat %+v, want %d", i, len(gc.Children), gc.Stat, want)
					}
					return nil
				}},
		)
		if i >= 250 && i%2 == 1 {
			reqs = append(reqs,
				pipelined{op: jute.OpDelete, body: &jute.PathVersionRequest{Path: path, Version: 1}, write: true,
					check: expectCode(jute.OK)},
				pipelined{op: jute.OpGetData, body: pw(path, false), check: expectCode(jute.NoNode)},
				pipelined{op: jute.OpDelete, body: &jute.PathVersionRequest{Path: path, Version: -1}, write: true,
					check: expectCode(jute.NoNode)},
			)
		}
	}

	// The writer runs apart from the reader: the server stops reading when
	// its per-connection limit is reached, and only our reads free it.
	firstXid := r.xid
	frames := new(bytes.Buffer)
	for i, q := range reqs {
		f := request(firstXid+int32(i), q.op, q.body)
		frames.Write([]byte{byte(len(f) >> 24), byte(len(f) >> 16), byte(len(f) >> 8), byte(len(f))})
		frames.Write(f)
	}
	r.xid += int32(len(reqs))
	werr := make(chan error, 1)
	go func() {
		_, err := r.nc.Write(frames.Bytes())
		werr <- err
	}()

	lastWrite := int64(-1)
	for i, q := range reqs {
		rep, err := r.next()
		if err != nil {
			t.Fatalf("reply %d of %d: %v", i, len(reqs), err)
		}
		if want := firstXid + int32(i); rep.Hdr.Xid != want {
			t.Fatalf("reply %d: xid %d, want %d (replies out of request order)", i, rep.Hdr.Xid, want)
		}
		switch {
		case q.write && lastWrite >= 0 && rep.Hdr.Zxid != lastWrite+1:
			t.Fatalf("reply %d (%s): zxid %#x, want %#x: every write takes the next zxid",
				i, jute.OpName(q.op), rep.Hdr.Zxid, lastWrite+1)
		case !q.write && lastWrite >= 0 && rep.Hdr.Zxid != lastWrite:
			t.Fatalf("reply %d (%s): zxid %#x, want the last write's %#x", i, jute.OpName(q.op), rep.Hdr.Zxid, lastWrite)
		}
		if q.write {
			lastWrite = rep.Hdr.Zxid
		}
		if err := q.check(rep.Hdr, rep.Body); err != nil {
			t.Fatalf("reply %d (%s xid %d): %v", i, jute.OpName(q.op), rep.Hdr.Xid, err)
		}
	}
	if err := <-werr; err != nil {
		t.Fatal(err)
	}
	// And the connection is still in a sane state.
	if h := r.ping(); h.Zxid != lastWrite {
		t.Fatalf("ping zxid %#x, want %#x", h.Zxid, lastWrite)
	}
}

// countAlive is how many /pipe children exist right after node i was
// created (nodes past 250 with an odd index are deleted right after their
// getChildren2).
func countAlive(i int) int {
	alive := 0
	for j := 0; j <= i; j++ {
		if j < 250 || j%2 == 0 || j == i {
			alive++
		}
	}
	return alive
}

// TestWatchEventPrecedesLaterReply: client A watches /x, client B changes
// it, then A reads /x. The read sees the change, so A's notification must
// come before the read's reply (ZooKeeper's ordering guarantee).
func TestWatchEventPrecedesLaterReply(t *testing.T) {
	s := startServer(t, func(o *Options) { o.TickTime = 1000 })
	a := rawSession(t, s.Addr().String(), 10000)
	b := rawSession(t, s.Addr().String(), 10000)
	b.mustCall(jute.OpCreate, createReq("/x", "0", 0), &jute.CreateResponse{}, jute.OK)
	b.mustCall(jute.OpCreate, createReq("/dir", "", 0), &jute.CreateResponse{}, jute.OK)
	for i := 1; i <= 100; i++ {
		var gd jute.GetDataResponse
		a.mustCall(jute.OpGetData, pw("/x", true), &gd, jute.OK)
		a.mustCall(jute.OpGetChildren, pw("/dir", true), &jute.GetChildrenResponse{}, jute.OK)
		var st jute.SetDataResponse
		sh := b.mustCall(jute.OpSetData, &jute.SetDataRequest{Path: "/x", Data: []byte(fmt.Sprint(i)), Version: -1}, &st, jute.OK)
		ch := b.mustCall(jute.OpCreate, createReq(fmt.Sprintf("/dir/c%d", i), "", 0), &jute.CreateResponse{}, jute.OK)

		// Read with raw frames: both notifications, then the reply.
		xid := a.send(jute.OpGetData, pw("/x", false))
		ev := a.waitEvent()
		if ev.Type != jute.EventNodeDataChanged || ev.Path != "/x" || ev.State != jute.StateSyncConnected || ev.Zxid != sh.Zxid {
			t.Fatalf("round %d: first frame %+v, want NodeDataChanged /x at zxid %#x", i, ev, sh.Zxid)
		}
		ev = a.waitEvent()
		if ev.Type != jute.EventNodeChildrenChanged || ev.Path != "/dir" || ev.Zxid != ch.Zxid {
			t.Fatalf("round %d: second frame %+v, want NodeChildrenChanged /dir at zxid %#x", i, ev, ch.Zxid)
		}
		rep := a.await(xid)
		if err := decodeExact(rep.Body, &gd); err != nil || string(gd.Data) != fmt.Sprint(i) {
			t.Fatalf("round %d: read %q %v", i, gd.Data, err)
		}
		if len(a.events) != 0 {
			t.Fatalf("round %d: extra events %+v (one-shot watches fire once)", i, a.events)
		}
	}
}

// TestWatchEventPrecedesReplyUnderLoad runs the same check while B writes
// as fast as it can and A keeps re-arming its watch: whenever A's reply
// shows a newer version while its watch was armed, the event must already
// have been received.
func TestWatchEventPrecedesReplyUnderLoad(t *testing.T) {
	s := startServer(t, func(o *Options) { o.TickTime = 1000 })
	a := rawSession(t, s.Addr().String(), 10000)
	b := rawSession(t, s.Addr().String(), 10000)
	b.mustCall(jute.OpCreate, createReq("/x", "", 0), &jute.CreateResponse{}, jute.OK)

	const writes = 3000
	done := make(chan error, 1)
	go func() {
		// B pipelines its writes in batches.
		for sent := 0; sent < writes; {
			batch := min(10, writes-sent)
			var buf bytes.Buffer
			for j := range batch {
				f := request(int32(1000+sent+j), jute.OpSetData, &jute.SetDataRequest{Path: "/x", Data: []byte("v"), Version: -1})
				buf.Write([]byte{0, 0, byte(len(f) >> 8), byte(len(f))})
				buf.Write(f)
			}
			if _, err := b.nc.Write(buf.Bytes()); err != nil {
				done <- err
				return
			}
			for range batch {
				if _, err := b.readFrame(); err != nil {
					done <- err
					return
				}
			}
			sent += batch
		}
		done <- nil
	}()

	armed := false
	lastVersion := int32(-1)
	lastMzxid := int64(0)
	events := 0
	for lastVersion < writes {
		xid := a.send(jute.OpGetData, pw("/x", true))
		for {
			rep, err := a.next()
			if err != nil {
				t.Fatal(err)
			}
			if rep.Hdr.Xid == jute.XidNotification {
				ev := decodeEvent(t, rep)
				if !armed || ev.Type != jute.EventNodeDataChanged || ev.Zxid <= lastMzxid {
					t.Fatalf("unexpected event %+v (armed %v, last mzxid %#x)", ev, armed, lastMzxid)
				}
				armed = false
				events++
				continue
			}
			if rep.Hdr.Xid != xid {
				t.Fatalf("reply xid %d, want %d", rep.Hdr.Xid, xid)
			}
			var gd jute.GetDataResponse
			if err := decodeExact(rep.Body, &gd); err != nil {
				t.Fatal(err)
			}
			if armed && gd.Stat.Version != lastVersion {
				t.Fatalf("read shows version %d (was %d) before the armed watch's event", gd.Stat.Version, lastVersion)
			}
			if gd.Stat.Version < lastVersion {
				t.Fatalf("version went back: %d after %d", gd.Stat.Version, lastVersion)
			}
			lastVersion, lastMzxid = gd.Stat.Version, gd.Stat.Mzxid
			armed = true
			break
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if events == 0 {
		t.Fatal("no events seen")
	}
	t.Logf("%d watch events interleaved with %d writes", events, writes)
}

// TestMultiSharesOneZxid: every op of a multi is applied at one zxid; a
// failed multi changes nothing, reports OK for the ops before the failing
// one, the failure, RuntimeInconsistency after it, and still takes a zxid.
func TestMultiSharesOneZxid(t *testing.T) {
	s := startServer(t, nil)
	r := rawSession(t, s.Addr().String(), 4000)
	r.mustCall(jute.OpCreate, createReq("/m", "", 0), &jute.CreateResponse{}, jute.OK)
	var resp jute.MultiResponse
	h := r.mustCall(jute.OpMulti, &jute.MultiRequest{Ops: []jute.MultiOp{
		{Type: jute.OpCreate, Op: createReq("/m/a", "1", 0)},
		{Type: jute.OpCreate2, Op: createReq("/m/b", "2", 0)},
		{Type: jute.OpSetData, Op: &jute.SetDataRequest{Path: "/m/a", Data: []byte("3"), Version: 0}},
		{Type: jute.OpCheck, Op: &jute.PathVersionRequest{Path: "/m/a", Version: 1}},
		{Type: jute.OpDelete, Op: &jute.PathVersionRequest{Path: "/m/b", Version: 0}},
		{Type: jute.OpCreate, Op: createReq("/m/s-", "", jute.ModePersistentSequential)},
	}}, &resp, jute.OK)
	wantTypes := []jute.OpCode{jute.OpCreate, jute.OpCreate2, jute.OpSetData, jute.OpCheck, jute.OpDelete, jute.OpCreate}
	if len(resp.Results) != len(wantTypes) {
		t.Fatalf("results %+v", resp.Results)
	}
	for i, res := range resp.Results {
		if res.Type != wantTypes[i] || res.Err != 0 {
			t.Fatalf("result %d: %+v, want type %d", i, res, wantTypes[i])
		}
	}
	if p := resp.Results[0].Rec.(*jute.CreateResponse).Path; p != "/m/a" {
		t.Fatalf("create path %q", p)
	}
	c2 := resp.Results[1].Rec.(*jute.Create2Response)
	sd := resp.Results[2].Rec.(*jute.SetDataResponse)
	if c2.Path != "/m/b" || c2.Stat.Czxid != h.Zxid || sd.Stat.Mzxid != h.Zxid || sd.Stat.Czxid != h.Zxid || sd.Stat.Version != 1 {
		t.Fatalf("multi at zxid %#x: create2 %+v, setData %+v", h.Zxid, c2, sd.Stat)
	}
	// The sequence number comes from the parent's cversion as the preparer
	// sees it: creates raise it, a delete only does once applied
	// (PrepRequestProcessor), so two creates before it give 2.
	if p := resp.Results[5].Rec.(*jute.CreateResponse).Path; p != "/m/s-0000000002" {
		t.Fatalf("sequential create in multi: %q", p)
	}
	var st jute.ExistsResponse
	r.mustCall(jute.OpExists, pw("/m", false), &st, jute.OK)
	if st.Stat.Pzxid != h.Zxid || st.Stat.Cversion != 4 || st.Stat.NumChildren != 2 {
		t.Fatalf("/m after multi: %+v (multi zxid %#x)", st.Stat, h.Zxid)
	}

	// A failing multi.
	before := r.ping().Zxid
	h = r.mustCall(jute.OpMulti, &jute.MultiRequest{Ops: []jute.MultiOp{
		{Type: jute.OpCreate, Op: createReq("/m/c", "", 0)},
		{Type: jute.OpSetData, Op: &jute.SetDataRequest{Path: "/m/a", Data: nil, Version: 7}},
		{Type: jute.OpDelete, Op: &jute.PathVersionRequest{Path: "/m/a", Version: -1}},
	}}, &resp, jute.OK)
	if h.Zxid != before+1 {
		t.Fatalf("failed multi zxid %#x, want %#x", h.Zxid, before+1)
	}
	want := []int32{0, int32(jute.BadVersion), int32(jute.RuntimeInconsistency)}
	for i, res := range resp.Results {
		if res.Type != jute.OpError || res.Err != want[i] {
			t.Fatalf("failed multi result %d: %+v, want error %d", i, res, want[i])
		}
	}
	r.mustCall(jute.OpExists, pw("/m/c", false), nil, jute.NoNode)
	var gd jute.GetDataResponse
	r.mustCall(jute.OpGetData, pw("/m/a", false), &gd, jute.OK)
	if string(gd.Data) != "3" || gd.Stat.Version != 1 {
		t.Fatalf("/m/a changed by a failed multi: %q %+v", gd.Data, gd.Stat)
	}
	// An empty multi is a no-op txn with a zxid of its own.
	h = r.mustCall(jute.OpMulti, &jute.MultiRequest{}, &resp, jute.OK)
	if h.Zxid != before+2 || len(resp.Results) != 0 {
		t.Fatalf("empty multi: zxid %#x results %+v", h.Zxid, resp.Results)
	}
}
