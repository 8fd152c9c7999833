package broker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/wharf-project/wharf/internal/kafka/zkdata"
	zkclient "github.com/wharf-project/wharf/internal/zk/client"
	"github.com/wharf-project/wharf/internal/zk/jute"
)

// ProducerIDBlockSize is how many producer ids a broker reserves at a
// time (Kafka's ProducerIdManager.PidBlockSize).
const ProducerIDBlockSize = 1000

// ProducerIDBlock is the content of /latest_producer_id_block: the last
// block of producer ids reserved, both ends inclusive, and by whom.
type ProducerIDBlock struct {
	BrokerID int32
	Start    int64
	End      int64
}

func (b ProducerIDBlock) String() string {
	return fmt.Sprintf("(brokerId:%d,blockStartProducerId:%d,blockEndProducerId:%d)", b.BrokerID, b.Start, b.End)
}

// EncodeProducerIDBlock is ProducerIdManager.generateProducerIdBlockJson:
// a four-entry Scala map, so the fields keep this order, and the two ends
// are strings.
func EncodeProducerIDBlock(b ProducerIDBlock) []byte {
	return fmt.Appendf(nil, `{"version":1,"broker":%d,"block_start":"%d","block_end":"%d"}`, b.BrokerID, b.Start, b.End)
}

// ErrProducerIDs: /latest_producer_id_block holds data Kafka would not
// read, or the ids are exhausted.
var ErrProducerIDs = errors.New("broker: producer id block")

// DecodeProducerIDBlock is ProducerIdManager.parseProducerIdBlockData.
func DecodeProducerIDBlock(data []byte) (ProducerIDBlock, error) {
	var v struct {
		Broker *int32  `json:"broker"`
		Start  *string `json:"block_start"`
		End    *string `json:"block_end"`
	}
	if err := json.Unmarshal(data, &v); err != nil || v.Broker == nil || v.Start == nil || v.End == nil {
		return ProducerIDBlock{}, fmt.Errorf("%w: Failed to parse the producerId block json %q", ErrProducerIDs, data)
	}
	start, err1 := strconv.ParseInt(*v.Start, 10, 64)
	end, err2 := strconv.ParseInt(*v.End, 10, 64)
	if err1 != nil || err2 != nil {
		return ProducerIDBlock{}, fmt.Errorf("%w: producer ids beyond a long in %q", ErrProducerIDs, data)
	}
	return ProducerIDBlock{BrokerID: *v.Broker, Start: start, End: end}, nil
}

// znodeStore is the part of zkdata.Client the allocator uses.
type znodeStore interface {
	Get(ctx context.Context, path string) ([]byte, jute.Stat, error)
	Set(ctx context.Context, path string, data []byte, version int32) (jute.Stat, error)
	Create(ctx context.Context, path string, data []byte, mode zkclient.CreateMode) (string, error)
}

// ZKProducerIDs is Kafka's ZooKeeper producer id manager (ProducerIdManager
// in 2.8, ZkProducerIdManager later): ids are handed out from a block of
// ProducerIDBlockSize reserved by a conditional write of
// /latest_producer_id_block, so no two brokers, and no two runs of one
// broker, ever hand out the same id. The first block is reserved at the
// first request. Safe for concurrent use.
type ZKProducerIDs struct {
	store    znodeStore
	brokerID int32
	log      *slog.Logger
	timeout  time.Duration

	mu    sync.Mutex
	block ProducerIDBlock
	next  int64 // next id to hand out; > block.End: reserve a new block
}

// NewZKProducerIDs returns an allocator for brokerID over store (a
// *zkdata.Client).
func NewZKProducerIDs(store znodeStore, brokerID int32, logger *slog.Logger) *ZKProducerIDs {
	if logger == nil {
		logger = discard
	}
	return &ZKProducerIDs{store: store, brokerID: brokerID, log: logger, timeout: 30 * time.Second,
		block: ProducerIDBlock{End: -1}}
}

// NextProducerID returns the next unused producer id.
func (p *ZKProducerIDs) NextProducerID() (int64, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.next > p.block.End {
		ctx, cancel := context.WithTimeout(context.Background(), p.timeout)
		defer cancel()
		b, err := p.reserve(ctx)
		if err != nil {
			return -1, err
		}
		p.block, p.next = b, b.Start
	}
	id := p.next
	p.next++
	return id, nil
}

// reserve claims the block after the latest one (getNewProducerIdBlock),
// retrying while another broker's claim gets in first.
func (p *ZKProducerIDs) reserve(ctx context.Context) (ProducerIDBlock, error) {
	for {
		data, stat, err := p.store.Get(ctx, zkdata.ProducerIDBlockPath)
		exists := err == nil
		if err != nil && !errors.Is(err, jute.NoNode) {
			return ProducerIDBlock{}, err
		}
		next := ProducerIDBlock{BrokerID: p.brokerID, Start: 0, End: ProducerIDBlockSize - 1}
		if len(data) > 0 {
			cur, err := DecodeProducerIDBlock(data)
			if err != nil {
				return ProducerIDBlock{}, err
			}
			if cur.End > math.MaxInt64-ProducerIDBlockSize {
				return ProducerIDBlock{}, fmt.Errorf("%w: Have exhausted all producerIds.", ErrProducerIDs)
			}
			next.Start, next.End = cur.End+1, cur.End+ProducerIDBlockSize
		}
		enc := EncodeProducerIDBlock(next)
		if !exists {
			_, err = p.store.Create(ctx, zkdata.ProducerIDBlockPath, enc, zkclient.ModePersistent)
		} else {
			_, err = p.store.Set(ctx, zkdata.ProducerIDBlockPath, enc, stat.Version)
			if errors.Is(err, jute.BadVersion) && p.written(ctx, enc) {
				err = nil // our write went through; its reply was lost
			}
		}
		switch {
		case err == nil:
			p.log.Info("Acquired new producerId block "+next.String(), "version", stat.Version+1)
			return next, nil
		case errors.Is(err, jute.BadVersion), errors.Is(err, jute.NodeExists):
			continue // another broker claimed a block first: read it again
		case ctx.Err() != nil:
			return ProducerIDBlock{}, fmt.Errorf("%w: reserving a block: %w", ErrProducerIDs, ctx.Err())
		default:
			return ProducerIDBlock{}, err
		}
	}
}

// written is checkProducerIdBlockZkData: whether the znode now holds the
// block we tried to write.
func (p *ZKProducerIDs) written(ctx context.Context, enc []byte) bool {
	data, _, err := p.store.Get(ctx, zkdata.ProducerIDBlockPath)
	return err == nil && bytes.Equal(data, enc)
}
