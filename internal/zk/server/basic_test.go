package server

import (
	"testing"

	"github.com/go-zookeeper/zk"
)

func TestCreateGetSetDelete(t *testing.T) {
	s := startServer(t, nil)
	c := dial(t, s)
	p, err := c.Create("/a", []byte("hello"), 0, zk.WorldACL(zk.PermAll))
	if err != nil || p != "/a" {
		t.Fatalf("create: %q %v", p, err)
	}
	d, st, err := c.Get("/a")
	if err != nil || string(d) != "hello" || st.Version != 0 {
		t.Fatalf("get: %q %+v %v", d, st, err)
	}
	if _, err := c.Set("/a", []byte("world"), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Set("/a", []byte("x"), 0); err != zk.ErrBadVersion {
		t.Fatalf("stale set: %v", err)
	}
	if err := c.Delete("/a", -1); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Get("/a"); err != zk.ErrNoNode {
		t.Fatalf("get deleted: %v", err)
	}
}
