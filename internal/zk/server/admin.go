package server

import (
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"time"
)

// adminServer is ZooKeeper's AdminServer: JSON at <url>/<command>.
type adminServer struct {
	srv *Server
	ln  net.Listener
	hs  *http.Server
}

func startAdmin(s *Server, addr string) (*adminServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	a := &adminServer{srv: s, ln: ln}
	mux := http.NewServeMux()
	mux.HandleFunc(strings.TrimSuffix(s.opts.AdminURL, "/")+"/", a.handle)
	a.hs = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go a.hs.Serve(ln)
	return a, nil
}

func (a *adminServer) addr() net.Addr { return a.ln.Addr() }

func (a *adminServer) close() { a.hs.Close() }

func (a *adminServer) handle(w http.ResponseWriter, r *http.Request) {
	name := strings.Trim(strings.TrimPrefix(r.URL.Path, a.srv.opts.AdminURL), "/")
	out := map[string]any{"command": name, "error": nil}
	switch name {
	case "ruok":
	default:
		out["error"] = "Command not found: " + name
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}
