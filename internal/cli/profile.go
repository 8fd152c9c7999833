package cli

import (
	"os"
	"runtime/pprof"
)

// startCPUProfile writes a CPU profile of the process to path until stop is
// called (WHARF_CPUPROFILE=<file> on the server commands: a diagnostic aid).
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
