package client

import (
	"bytes"
	"log/slog"
	"testing"

	"github.com/wharf-project/wharf/internal/zk/jute"
)

// FuzzReply feeds arbitrary server packets to the reply handler: it may
// refuse them (dropping the connection) but must never panic.
func FuzzReply(f *testing.F) {
	f.Add(frame(nil, &jute.ReplyHeader{Xid: 1}, &jute.GetDataResponse{Data: []byte("x")}))
	f.Add(frame(nil, &jute.ReplyHeader{Xid: jute.XidNotification}, &jute.WatcherEvent{Type: 3, State: 3, Path: "/root/a"}))
	f.Add(frame(nil, &jute.ReplyHeader{Xid: jute.XidAuth, Err: int32(jute.AuthFailed)}))
	f.Add(frame(nil, &jute.ReplyHeader{Xid: 2, Err: int32(jute.NoNode)}))
	f.Add(frame(nil, &jute.ReplyHeader{Xid: 3}, &jute.MultiResponse{Results: []jute.MultiResult{{Type: jute.OpCreate, Rec: &jute.CreateResponse{Path: "/root/x"}}}}))
	f.Fuzz(func(t *testing.T, data []byte) {
		c := &Client{chroot: "/root", stateCh: make(chan struct{}), log: slog.New(slog.DiscardHandler)}
		c.watches = newWatchManager(NewWatcher(nil), false)
		c.events = newDispatcher(c.log)
		defer c.events.die()
		c.watches.add(kindData, "/a", NewWatcher(nil))
		c.pending = []*request{
			{xid: 1, op: jute.OpGetData, resp: &jute.GetDataResponse{}, done: make(chan struct{})},
			{xid: 2, op: jute.OpExists, resp: &jute.ExistsResponse{}, reg: &watchReg{w: NewWatcher(nil), path: "/b", exists: true}, done: make(chan struct{})},
			{xid: 3, op: jute.OpMulti, resp: &jute.MultiResponse{}, done: make(chan struct{})},
		}
		r := bytes.NewReader(data)
		for {
			buf, err := readFrame(r, nil, 4096)
			if err != nil {
				return
			}
			if err := c.handleReply(buf); err != nil {
				return
			}
		}
	})
}
