package wire

import (
	"fmt"
	"syscall"
)

// sendfileChunk bounds one sendfile call (Linux sends at most ~2 GiB).
const sendfileChunk = 1 << 30

// sendfile sends [off, off+n) of the file fd to the socket behind raw with
// sendfile(2) and an explicit offset, waiting in the runtime poller when the
// socket is full (so the connection's write deadline applies). handled is
// false when the kernel refuses sendfile for this pair before any byte
// went out: the caller copies instead.
func sendfile(raw syscall.RawConn, fd uintptr, off, n int64) (written int64, handled bool, err error) {
	var serr error
	handled = true
	werr := raw.Write(func(sock uintptr) bool {
		for written < n {
			m, e := syscall.Sendfile(int(sock), int(fd), &off, int(min(n-written, sendfileChunk)))
			if m > 0 {
				written += int64(m)
			}
			switch {
			case e == syscall.EAGAIN:
				return false // wait until the socket is writable
			case e == syscall.EINTR:
			case (e == syscall.EINVAL || e == syscall.ENOSYS || e == syscall.EOPNOTSUPP) && written == 0:
				handled = false
				return true
			case e != nil:
				serr = fmt.Errorf("wire: sendfile: %w", e)
				return true
			case m == 0:
				serr = fmt.Errorf("%w: sendfile stopped at %d of %d bytes", ErrRegionShort, written, n)
				return true
			}
		}
		return true
	})
	if werr != nil {
		return written, true, werr
	}
	return written, handled, serr
}
