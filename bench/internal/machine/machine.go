package machine

import (
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Info is the part of a report's header every benchmark shares. Its JSON
// names are those zkbench has always written.
type Info struct {
	Time     string `json:"time"`
	Host     string `json:"host"`
	CPUs     int    `json:"cpus"`
	CPUModel string `json:"cpu_model"`
	Kernel   string `json:"kernel"`
	Go       string `json:"go"`
	Commit   string `json:"commit"`
	LoadAvg  string `json:"loadavg_at_start"` // other work on the machine skews everything
	Dir      string `json:"dir"`
	FsType   string `json:"fs_type"`
}

// Describe collects Info now, for data kept under dir.
func Describe(dir string) Info {
	host, _ := os.Hostname()
	return Info{
		Time: time.Now().UTC().Format(time.RFC3339), Host: host, CPUs: runtime.NumCPU(),
		CPUModel: cpuModel(), Kernel: firstLine("/proc/sys/kernel/osrelease"), Go: runtime.Version(),
		LoadAvg: firstLine("/proc/loadavg"), Commit: gitCommit(), Dir: dir, FsType: FsType(dir),
	}
}

// Warnings are the reasons the figures may mislead: a busy machine, a data
// directory on tmpfs.
func (m Info) Warnings() []string {
	var w []string
	if f := strings.Fields(m.LoadAvg); len(f) > 0 {
		if load, err := strconv.ParseFloat(f[0], 64); err == nil && load > 0.5*float64(m.CPUs) {
			w = append(w, "the machine is busy (load average "+f[0]+" on "+strconv.Itoa(m.CPUs)+" CPUs): the figures will be noisy")
		}
	}
	if m.FsType == "tmpfs" {
		w = append(w, "the data dir is on tmpfs: fsync costs nothing there; use -dir on a real disk")
	}
	return w
}

func firstLine(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "unknown"
	}
	l, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSpace(l)
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

func gitCommit() string {
	out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}
