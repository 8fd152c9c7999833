// Command fakezk stands in for `wharf zookeeper zoo.cfg` in zkproc's and
// testutil's own tests: it reads the zoo.cfg keys a launcher relies on,
// answers ruok and srvr, counts its starts in <dataDir>/fakezk-starts, and
// runs until signalled. FAKEZK_EXIT=<code> makes it fail at startup.
package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

func main() {
	if len(os.Args) != 3 || os.Args[1] != "zookeeper" {
		fmt.Fprintln(os.Stderr, "usage: fakezk zookeeper zoo.cfg")
		os.Exit(2)
	}
	if code := os.Getenv("FAKEZK_EXIT"); code != "" {
		n, _ := strconv.Atoi(code)
		fmt.Fprintln(os.Stderr, "fakezk: failing on purpose")
		os.Exit(n)
	}
	cfg, err := readCfg(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	f, err := os.OpenFile(filepath.Join(cfg["dataDir"], "fakezk-starts"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Fprintln(f, os.Getpid())
	f.Close()
	l, err := net.Listen("tcp", net.JoinHostPort(cfg["clientPortAddress"], cfg["clientPort"]))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("fakezk: listening on", l.Addr())
	for {
		c, err := l.Accept()
		if err != nil {
			os.Exit(1)
		}
		go serve(c)
	}
}

func serve(c net.Conn) {
	defer c.Close()
	buf := make([]byte, 4)
	if _, err := io.ReadFull(c, buf); err != nil {
		return
	}
	switch string(buf) {
	case "ruok":
		io.WriteString(c, "imok")
	case "srvr":
		io.WriteString(c, "Zookeeper version: fakezk\nMode: standalone\n")
	}
}

func readCfg(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cfg := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if ok && !strings.HasPrefix(k, "#") {
			cfg[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return cfg, sc.Err()
}
