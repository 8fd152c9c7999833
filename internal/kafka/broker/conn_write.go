package broker

import (
	"time"
)

// writeLoop sends settled replies in request order: it pops the settled
// head of the queue, writes the frames (writev; sendfile for regions),
// flushes, and repeats. A close slot closes the connection once the
// replies before it are out.
func (c *conn) writeLoop() {
	defer close(c.writerDone)
	var batch []*slot
	for {
		batch = c.popSettled(batch[:0])
		if len(batch) == 0 {
			select {
			case <-c.wake:
				continue
			case <-c.done:
				return
			}
		}
		if c.idle >= 0 {
			c.nc.SetWriteDeadline(time.Now().Add(c.idle))
		}
		if !c.writeBatch(batch) {
			return
		}
		clear(batch)
	}
}

// popSettled moves the settled slots at the head of the queue to batch;
// they stay counted in inflight and outBytes until written.
func (c *conn) popSettled(batch []*slot) []*slot {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for n < len(c.queue) && c.queue[n].settled {
		batch = append(batch, c.queue[n])
		n++
	}
	if n > 0 {
		rest := copy(c.queue, c.queue[n:])
		clear(c.queue[rest:])
		c.queue = c.queue[:rest]
	}
	return batch
}

// writeBatch writes a batch's frames up to its close slot, if any, and
// reports each request; false when the connection closed.
func (c *conn) writeBatch(batch []*slot) bool {
	var err error
	stop := len(batch) // the close slot
	for i, s := range batch {
		if s.closeErr != nil {
			stop = i
			break
		}
		if f := s.frame; f != nil {
			s.frame = nil
			s.stats.BytesOut = f.Len()
			if err = c.w.Write(f); err != nil { // Write releases f
				break
			}
		}
	}
	if err == nil {
		err = c.w.Flush()
	}
	now := time.Now()
	for i, s := range batch {
		s.stats.Sent = now
		switch {
		case err != nil:
			s.stats.Err = err // the connection is lost, and maybe this response with it
		case i == stop:
			s.stats.Err = s.closeErr
		case i > stop:
			s.stats.Err = errDropped
		}
		s.frame.Release()
		c.report(s)
	}
	c.written(batch)
	switch {
	case err != nil:
		c.close(err)
		return false
	case stop < len(batch):
		c.close(batch[stop].closeErr)
		return false
	}
	c.touch()
	return true
}

// written uncounts a written (or dropped) batch, giving the reader room.
func (c *conn) written(batch []*slot) {
	c.mu.Lock()
	for _, s := range batch {
		c.inflight--
		c.outBytes -= s.mem
	}
	c.mu.Unlock()
	select {
	case c.room <- struct{}{}:
	default:
	}
}
