package server

import (
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/wharf-project/wharf/internal/zk/admin"
)

// adminServer is ZooKeeper's AdminServer: JSON at <url>/<command>.
type adminServer struct {
	ln net.Listener
	hs *http.Server
}

func startAdmin(s *Server, addr string) (*adminServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	prefix := "/" + strings.Trim(s.opts.AdminURL, "/")
	h := admin.NewHandler(prefix, s.view, s)
	mux := http.NewServeMux()
	mux.Handle(prefix, h)
	mux.Handle(prefix+"/", h)
	a := &adminServer{ln: ln, hs: &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}}
	go a.hs.Serve(ln)
	return a, nil
}

func (a *adminServer) addr() net.Addr { return a.ln.Addr() }

func (a *adminServer) close() { a.hs.Close() }
