package admin

import (
	"bufio"
	"io/fs"
	"math"
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
)

// na is what Environment prints for a property it cannot read.
const na = "<NA>"

// environment is EnvCommand's list (Environment.list), in its order.
func environment(v *View) Object {
	e := &v.Env
	mb := func(n int64) string { return strconv.FormatInt(n, 10) + "MB" }
	return Object{
		{"zookeeper.version", v.Server.FullVersion()},
		{"host.name", orNA(e.HostName)},
		{"java.version", orNA(e.JavaVersion)},
		{"java.vendor", orNA(e.JavaVendor)},
		{"java.home", orNA(e.JavaHome)},
		{"java.class.path", orNA(e.ClassPath)},
		{"java.library.path", orNA(e.LibraryPath)},
		{"java.io.tmpdir", orNA(e.TmpDir)},
		{"java.compiler", orNA(e.Compiler)},
		{"os.name", orNA(e.OSName)},
		{"os.arch", orNA(e.OSArch)},
		{"os.version", orNA(e.OSVersion)},
		{"user.name", orNA(e.UserName)},
		{"user.home", orNA(e.UserHome)},
		{"user.dir", orNA(e.UserDir)},
		{"os.memory.free", mb(e.MemoryFreeMB)},
		{"os.memory.max", mb(e.MemoryMaxMB)},
		{"os.memory.total", mb(e.MemoryTotalMB)},
	}
}

func orNA(s string) string {
	if s == "" {
		return na
	}
	return s
}

// systemProperties is system_properties: the Java properties that have a
// Go counterpart, overridden by Env.SystemProperties, sorted by name.
func systemProperties(v *View) Object {
	e := &v.Env
	props := map[string]any{
		"file.encoding":     "UTF-8",
		"file.separator":    string(filepath.Separator),
		"path.separator":    string(filepath.ListSeparator),
		"line.separator":    "\n",
		"java.class.path":   orNA(e.ClassPath),
		"java.home":         orNA(e.JavaHome),
		"java.io.tmpdir":    orNA(e.TmpDir),
		"java.library.path": orNA(e.LibraryPath),
		"java.vendor":       orNA(e.JavaVendor),
		"java.version":      orNA(e.JavaVersion),
		"os.arch":           orNA(e.OSArch),
		"os.name":           orNA(e.OSName),
		"os.version":        orNA(e.OSVersion),
		"user.dir":          orNA(e.UserDir),
		"user.home":         orNA(e.UserHome),
		"user.name":         orNA(e.UserName),
	}
	for k, val := range e.SystemProperties {
		props[k] = val
	}
	o := make(Object, 0, len(props))
	for _, k := range sortedKeys(props) {
		o = append(o, Field{k, props[k]})
	}
	return o
}

// HostEnvironment reads this process's environment, spelled as Java's
// system properties would spell it for the same machine: os.name "Linux",
// os.arch "amd64"/"aarch64"; java.version is the Go version, java.home the
// executable's directory, java.class.path the executable, java.compiler
// the Go compiler, os.memory.* the Go heap (max: GOMEMLIMIT when set,
// else the machine's memory).
func HostEnvironment() Environment {
	e := Environment{
		JavaVersion: runtime.Version(),
		JavaVendor:  "The Go Authors",
		LibraryPath: os.Getenv("LD_LIBRARY_PATH"),
		TmpDir:      os.TempDir(),
		Compiler:    runtime.Compiler,
		OSName:      javaOSName(runtime.GOOS),
		OSArch:      javaOSArch(runtime.GOARCH),
		OSVersion:   osVersion(),
	}
	e.HostName, _ = os.Hostname()
	if exe, err := os.Executable(); err == nil {
		e.ClassPath = exe
		e.JavaHome = filepath.Dir(exe)
	}
	if u, err := user.Current(); err == nil {
		e.UserName, e.UserHome = u.Username, u.HomeDir
	} else {
		e.UserName, e.UserHome = os.Getenv("USER"), os.Getenv("HOME")
	}
	e.UserDir, _ = os.Getwd()

	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	const mb = 1 << 20
	e.MemoryTotalMB = int64(ms.HeapSys / mb)
	e.MemoryFreeMB = int64((ms.HeapSys - ms.HeapAlloc) / mb)
	limit := debug.SetMemoryLimit(-1)
	if limit == math.MaxInt64 {
		limit = physicalMemory()
		if limit <= 0 {
			limit = int64(ms.Sys)
		}
	}
	e.MemoryMaxMB = limit / mb
	return e
}

func javaOSName(goos string) string {
	switch goos {
	case "linux":
		return "Linux"
	case "darwin":
		return "Mac OS X"
	case "windows":
		return "Windows"
	case "freebsd":
		return "FreeBSD"
	case "openbsd":
		return "OpenBSD"
	case "netbsd":
		return "NetBSD"
	case "solaris", "illumos":
		return "SunOS"
	case "aix":
		return "AIX"
	}
	return goos
}

func javaOSArch(goarch string) string {
	switch goarch {
	case "arm64":
		return "aarch64"
	case "386":
		return "x86"
	}
	return goarch
}

// osVersion is the kernel release, as uname -r prints it (Linux only).
func osVersion() string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// physicalMemory is MemTotal from /proc/meminfo in bytes, 0 if unknown.
func physicalMemory() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemTotal:" {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			if err != nil {
				return 0
			}
			return kb * 1024
		}
	}
	return 0
}

// VersionDir is how ZooKeeper names a data directory in conf:
// FileTxnSnapLog's absolute "<dir>/version-2".
func VersionDir(dir string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	return filepath.Join(dir, "version-2")
}

// DirSize is ZooKeeperServer.getDirSize: the sum of the lengths of the
// regular files under path (0 if it does not exist).
func DirSize(path string) int64 {
	var n int64
	filepath.WalkDir(path, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if info, err := d.Info(); err == nil {
			n += info.Size()
		}
		return nil
	})
	return n
}
