package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/wharf-project/wharf/bench/internal/wharfbin"
	"github.com/wharf-project/wharf/internal/testutil/zkproc"
)

// server is one side of the comparison: started here, or already running.
type server struct {
	name  string // "zookeeper" or "wharf"
	addr  string
	pid   int // 0 when unknown (an external server without -*-pid)
	proc  *zkproc.Server
	nodes []string
}

type serverInfo struct {
	Name     string `json:"name"`
	Addr     string `json:"addr"`
	PID      int    `json:"pid"`
	External bool   `json:"external"`
	DataDir  string `json:"data_dir,omitempty"`
	Version  string `json:"version"`
	Log      string `json:"log,omitempty"`
}

func (s *server) info() serverInfo {
	in := serverInfo{Name: s.name, Addr: s.addr, PID: s.pid, External: s.proc == nil}
	if s.proc != nil {
		in.DataDir = s.proc.DataDir
		in.Log = s.proc.LogPath
	}
	if r, err := zkproc.Four(s.addr, "srvr"); err == nil {
		for _, l := range strings.Split(r, "\n") {
			if v, ok := strings.CutPrefix(l, "Zookeeper version: "); ok {
				in.Version = v
			}
		}
	}
	return in
}

// startServers starts (or attaches to) the servers -only asks for,
// Apache ZooKeeper first.
func startServers(ctx context.Context, cfg config, dir string) ([]*server, error) {
	var out []*server
	if cfg.only != "wharf" {
		s, err := zkServer(cfg, dir)
		if err != nil {
			return out, err
		}
		out = append(out, s)
	}
	if cfg.only != "zk" && ctx.Err() == nil {
		s, err := wharfServer(cfg, dir)
		if err != nil {
			return out, err
		}
		out = append(out, s)
	}
	return out, ctx.Err()
}

func baseOptions(cfg config) zkproc.Options {
	// forceSync stays on (ZooKeeper's default): every write is fsynced
	// before it is acknowledged, on both servers.
	return zkproc.Options{ForceSyncOff: cfg.forceSyncOff}
}

func zkServer(cfg config, dir string) (*server, error) {
	if cfg.zkAddr != "" {
		return &server{name: string(zkproc.Apache), addr: cfg.zkAddr, pid: cfg.zkPID}, nil
	}
	if err := zkproc.ApacheAvailable(); err != nil {
		return nil, fmt.Errorf("%w (install with scripts/install-test-deps.sh, or use -only wharf)", err)
	}
	opts := baseOptions(cfg)
	opts.JVMFlags = []string{"-Xmx" + cfg.zkHeap}
	p, err := zkproc.Start(zkproc.Apache, filepath.Join(dir, "zookeeper"), opts)
	if err != nil {
		return nil, err
	}
	return &server{name: string(zkproc.Apache), addr: p.Addr, pid: p.PID, proc: p}, nil
}

func wharfServer(cfg config, dir string) (*server, error) {
	if cfg.wharfAddr != "" {
		return &server{name: string(zkproc.Wharf), addr: cfg.wharfAddr, pid: cfg.wharfPID}, nil
	}
	bin, err := wharfbin.Path(cfg.wharfBin, dir)
	if err != nil {
		return nil, fmt.Errorf("%w\n(to measure ZooKeeper alone: -only zk)", err)
	}
	opts := baseOptions(cfg)
	opts.WharfBin = bin
	p, err := zkproc.Start(zkproc.Wharf, filepath.Join(dir, "wharf"), opts)
	if err != nil {
		return nil, fmt.Errorf("%w\n(to measure ZooKeeper alone: -only zk)", err)
	}
	return &server{name: string(zkproc.Wharf), addr: p.Addr, pid: p.PID, proc: p}, nil
}

func stopServers(servers []*server) {
	for _, s := range servers {
		if s.proc != nil {
			if err := s.proc.Stop(); err != nil {
				fmt.Fprintf(os.Stderr, "zkbench: stop %s: %v\n", s.name, err)
			}
		}
	}
}

// javaVersion is the first line of `java -version`, for the report.
func javaVersion() string {
	j, err := zkproc.Java()
	if err != nil {
		return ""
	}
	out, err := exec.Command(j, "-version").CombinedOutput()
	if err != nil {
		return ""
	}
	first, _, _ := strings.Cut(string(out), "\n")
	return strings.TrimSpace(first)
}
