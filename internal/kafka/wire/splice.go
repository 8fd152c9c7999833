package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// ErrPlaceholder: a Splicer's placeholder was not found exactly once in the
// encoded response (it was put in a field the response's version does not
// encode, in no field, or in a field that is not bytes).
var ErrPlaceholder = errors.New("wire: region placeholder not found in response")

// placeholderLen is a placeholder's size: a 12-byte nonce and an index.
const placeholderLen = 16

// Splicer puts file regions into a kmsg response's bytes fields (Fetch's
// RecordBatches) without reading them: each region stands in the response
// as a placeholder, and Frame cuts the encoded response at the
// placeholders, rewrites their length prefixes and inserts the regions.
//
// A placeholder is 16 bytes whose first 12 are random per Splicer, so
// nothing else in a response matches one by chance, whatever clients
// produced; the length prefix before it is checked too. The zero Splicer is
// ready to use; one Splicer serves one response.
type Splicer struct {
	nonce [12]byte
	ready bool
	slots [][]Region
}

// Placeholder returns the bytes to put in a bytes field in place of the
// concatenation of rs. The Splicer owns rs from now on: Frame hands them to
// the frame, Release releases them.
func (s *Splicer) Placeholder(rs ...Region) []byte {
	if !s.ready {
		binary.BigEndian.PutUint64(s.nonce[:], rand.Uint64())
		binary.BigEndian.PutUint32(s.nonce[8:], rand.Uint32())
		s.ready = true
	}
	ph := make([]byte, placeholderLen)
	copy(ph, s.nonce[:])
	binary.BigEndian.PutUint32(ph[12:], uint32(len(s.slots)))
	s.slots = append(s.slots, rs)
	return ph
}

// Frame encodes resp, at its current version, with the regions spliced in.
// On error every region is released.
func (s *Splicer) Frame(correlationID int32, resp kmsg.Response) (*Frame, error) {
	buf := AppendResponse(nil, correlationID, resp)
	f := &Frame{}
	used := make([]bool, len(s.slots))
	found, seg, from := 0, 0, 8
	flexible := resp.IsFlexible()
	for found < len(s.slots) {
		i := bytes.Index(buf[from:], s.nonce[:])
		if i < 0 {
			break
		}
		at := from + i
		from = at + 1
		if at+placeholderLen > len(buf) {
			break
		}
		idx := binary.BigEndian.Uint32(buf[at+12:])
		if idx >= uint32(len(used)) || used[idx] {
			continue
		}
		start, ok := prefixStart(buf, at, flexible)
		if !ok || start < seg {
			continue
		}
		used[idx] = true
		found++
		var total int64
		for _, r := range s.slots[idx] {
			total += max(r.Len, 0)
		}
		f.AppendBytes(buf[seg:start])
		f.AppendBytes(lengthPrefix(total, flexible))
		for _, r := range s.slots[idx] {
			f.AppendRegion(r)
		}
		seg, from = at+placeholderLen, at+placeholderLen
	}
	f.AppendBytes(buf[seg:])
	slots := s.slots
	s.slots = nil
	err := f.Err()
	if found < len(slots) {
		err = fmt.Errorf("%w: %d of %d placed in %s v%d", ErrPlaceholder, found, len(slots), kmsg.NameForKey(resp.Key()), resp.GetVersion())
	}
	if err != nil {
		f.Release()
		for i, rs := range slots {
			if !used[i] {
				releaseAll(rs)
			}
		}
		return nil, err
	}
	return f, nil
}

// Release releases the regions of placeholders not yet framed, for a
// handler that gives up on its response.
func (s *Splicer) Release() {
	for _, rs := range s.slots {
		releaseAll(rs)
	}
	s.slots = nil
}

func releaseAll(rs []Region) {
	for _, r := range rs {
		if r.Release != nil {
			r.Release()
		}
	}
}

// prefixStart finds the length prefix kmsg wrote before a placeholder at
// at: a compact uvarint 17 in flexible versions, an int32 16 otherwise.
func prefixStart(buf []byte, at int, flexible bool) (int, bool) {
	if flexible {
		return at - 1, at >= 1 && buf[at-1] == placeholderLen+1
	}
	return at - 4, at >= 4 && binary.BigEndian.Uint32(buf[at-4:]) == placeholderLen
}

func lengthPrefix(n int64, flexible bool) []byte {
	if flexible {
		return binary.AppendUvarint(nil, uint64(n)+1)
	}
	return binary.BigEndian.AppendUint32(nil, uint32(n))
}
