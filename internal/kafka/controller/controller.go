package controller

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/kafka/zkdata"
	"github.com/wharf-project/wharf/internal/zk/client"
	"github.com/wharf-project/wharf/internal/zk/jute"
)

// Config configures a Controller.
type Config struct {
	// Broker is this broker's registration; its ID is the broker id.
	Broker zkdata.BrokerInfo
	// ZK is the broker's ZooKeeper client.
	ZK *zkdata.Client
	// Channel delivers control requests to brokers.
	Channel BrokerChannel
	// InterBrokerListener names the listener whose address LeaderAndIsr
	// gives for leaders (inter.broker.listener.name; default PLAINTEXT).
	InterBrokerListener string
	// DeleteTopicEnable is delete.topic.enable.
	DeleteTopicEnable bool
	// UncleanLeaderElectionEnable is the broker default of
	// unclean.leader.election.enable; a topic's own setting in
	// /config/topics/<t> overrides it.
	UncleanLeaderElectionEnable bool
	// UncleanLeaderElection, when set, decides per topic instead (for a
	// kconfig-backed view with dynamic defaults).
	UncleanLeaderElection func(topic string) bool
	// Logger receives the controller's log; default discards it.
	Logger *slog.Logger
}

// Controller is Kafka's controller in ZooKeeper mode (KafkaController):
// every broker runs one; the one that creates the ephemeral /controller is
// active. It registers the broker, takes part in the election, and, while
// active, watches brokers, topics, deletions and ISR notifications,
// elects partition leaders, writes partition state (fenced by the
// controller epoch), and tells brokers with LeaderAndIsr, UpdateMetadata
// and StopReplica requests.
//
// Everything runs on one event goroutine, as ControllerEventManager does;
// ZooKeeper watches and broker responses only queue events.
type Controller struct {
	cfg   Config
	id    int32
	zk    *zkdata.Client
	log   *slog.Logger
	cc    *controllerContext
	batch *requestBatch
	chans *channelManager

	// loop-owned
	active         bool
	partitionWatch map[string]bool
	brokerWatch    map[int32]bool
	activeIDCache  atomic.Int32
	activeFlag     atomic.Bool
	epochCache     atomic.Int32
	brokerEpoch    atomic.Int64
	statsCache     atomic.Pointer[Stats]

	mu      sync.Mutex
	queue   []event
	wake    chan struct{}
	closed  bool
	started bool // the event loop runs (Start succeeded)
	done    chan struct{}
	stopped chan struct{}
}

type event struct {
	name string
	fn   func(ctx context.Context) error
	done chan struct{} // closed once processed, if not nil
}

// New returns a controller; Start registers the broker and starts it.
func New(cfg Config) (*Controller, error) {
	if cfg.ZK == nil || cfg.Channel == nil {
		return nil, errors.New("controller: Config.ZK and Config.Channel are required")
	}
	if cfg.InterBrokerListener == "" {
		cfg.InterBrokerListener = "PLAINTEXT"
	}
	c := &Controller{
		cfg:            cfg,
		id:             cfg.Broker.ID,
		zk:             cfg.ZK,
		log:            cfg.Logger,
		cc:             newContext(),
		partitionWatch: map[string]bool{},
		brokerWatch:    map[int32]bool{},
		wake:           make(chan struct{}, 1),
		done:           make(chan struct{}),
		stopped:        make(chan struct{}),
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.log = c.log.With("controller", c.id)
	c.batch = newBatch(c.cc, c.id, cfg.InterBrokerListener)
	c.chans = newChannelManager(cfg.Channel, c.log, c.onResponse)
	c.activeIDCache.Store(-1)
	return c, nil
}

// Start registers the broker (/brokers/ids/<id>; an id held by another
// session fails with zkdata.ErrBrokerRegistered) and starts the event
// loop, which takes part in the controller election.
func (c *Controller) Start(ctx context.Context) error {
	epoch, err := c.zk.RegisterBroker(ctx, c.cfg.Broker)
	if err != nil {
		return err
	}
	c.brokerEpoch.Store(epoch)
	c.zk.OnSession(c.sessionHandlerName(), zkdata.SessionHandler{
		Before: func() { c.putAndWait("Expire", true, c.processExpire) },
		After:  func() { c.put("RegisterBrokerAndReelect", c.processRegisterBrokerAndReelect) },
	})
	if err := c.zk.Watch(ctx, zkdata.ControllerPath, c.controllerWatch); err != nil {
		return err
	}
	c.mu.Lock()
	c.started = true
	c.mu.Unlock()
	go c.loop()
	c.put("Startup", c.processStartup)
	return nil
}

func (c *Controller) sessionHandlerName() string {
	return "controller-state-change-handler-" + strconv.Itoa(int(c.id))
}

// Close stops the controller: it resigns if active (without deleting
// /controller, which goes with the session) and stops its goroutines.
func (c *Controller) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	started := c.started
	close(c.done)
	c.mu.Unlock()
	if !started { // Start failed or never ran: no event loop to stop
		c.zk.RemoveSessionHandler(c.sessionHandlerName())
		return nil
	}
	<-c.stopped
	c.zk.RemoveSessionHandler(c.sessionHandlerName())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c.zk.Unwatch(ctx, zkdata.ControllerPath)
	c.resign(ctx)
	return nil
}

// IsActive reports whether this broker is the active controller.
func (c *Controller) IsActive() bool { return c.activeFlag.Load() }

// ActiveControllerID is the active controller as this broker last saw it
// (-1: none).
func (c *Controller) ActiveControllerID() int32 { return c.activeIDCache.Load() }

// Epoch is the controller epoch while active (0 otherwise).
func (c *Controller) Epoch() int32 { return c.epochCache.Load() }

// BrokerEpoch is the czxid of this broker's current registration.
func (c *Controller) BrokerEpoch() int64 { return c.brokerEpoch.Load() }

// Stats returns the controller's gauges as of its last event (zero
// unless active).
func (c *Controller) Stats() Stats {
	if s := c.statsCache.Load(); s != nil {
		return *s
	}
	return Stats{}
}

// Sync waits until every event queued before the call has been
// processed (tests and shutdown use it to order their checks).
func (c *Controller) Sync(ctx context.Context) error {
	done := make(chan struct{})
	if !c.enqueue(event{name: "Sync", fn: func(context.Context) error { return nil }, done: done}, false) {
		return ErrClosed
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-c.stopped:
		return ErrClosed
	}
}

// ---- event queue ----

func (c *Controller) enqueue(e event, clear bool) bool {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return false
	}
	if clear {
		for _, old := range c.queue {
			if old.done != nil {
				close(old.done)
			}
		}
		c.queue = c.queue[:0]
	}
	c.queue = append(c.queue, e)
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
	return true
}

func (c *Controller) put(name string, fn func(context.Context) error) {
	c.enqueue(event{name: name, fn: fn}, false)
}

// putAndWait queues an event (after clearing the queue, as clearAndPut
// does for Expire) and waits until it has been processed.
func (c *Controller) putAndWait(name string, clear bool, fn func(context.Context) error) {
	done := make(chan struct{})
	if !c.enqueue(event{name: name, fn: fn, done: done}, clear) {
		return
	}
	select {
	case <-done:
	case <-c.stopped:
	}
}

func (c *Controller) loop() {
	defer close(c.stopped)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-c.done
		cancel()
	}()
	for {
		c.mu.Lock()
		var e event
		ok := len(c.queue) > 0
		if ok {
			e = c.queue[0]
			c.queue = c.queue[1:]
		}
		c.mu.Unlock()
		if !ok {
			select {
			case <-c.wake:
				continue
			case <-c.done:
				return
			}
		}
		c.process(ctx, e)
		if ctx.Err() != nil {
			return
		}
	}
}

// process runs one event; a fenced write that found a newer controller
// makes this one resign (KafkaController.process).
func (c *Controller) process(ctx context.Context, e event) {
	err := e.fn(ctx)
	switch {
	case err == nil:
	case errors.Is(err, zkdata.ErrControllerMoved):
		c.log.Info("Controller moved to another broker", "event", e.name, "err", err)
		c.maybeResign(ctx)
	default:
		c.log.Error("Error processing event", "event", e.name, "err", err)
	}
	if e.done != nil {
		close(e.done)
	}
	c.updateStats()
}

func (c *Controller) updateStats() {
	var s Stats
	if c.active {
		s = c.cc.stats()
	}
	c.statsCache.Store(&s)
}

// ---- watch callbacks (event goroutine of the ZooKeeper session) ----

func (c *Controller) controllerWatch(e client.Event) {
	switch e.Type {
	case jute.EventNodeDeleted:
		c.put("Reelect", c.processReelect)
	case jute.EventNodeCreated, jute.EventNodeDataChanged:
		c.put("ControllerChange", c.processControllerChange)
	}
}

func (c *Controller) childWatch(name string, fn func(context.Context) error) func(client.Event) {
	return func(e client.Event) {
		if e.Type == jute.EventNodeChildrenChanged {
			c.put(name, fn)
		}
	}
}

// ---- election ----

func (c *Controller) processStartup(ctx context.Context) error {
	c.elect(ctx)
	return nil
}

func (c *Controller) readActiveID(ctx context.Context) int32 {
	id, ok, err := c.zk.GetControllerID(ctx)
	if err != nil || !ok {
		id = -1
	}
	c.activeIDCache.Store(id)
	return id
}

// elect is KafkaController.elect.
func (c *Controller) elect(ctx context.Context) {
	if c.readActiveID(ctx) != -1 {
		return
	}
	epoch, epochZkVersion, err := c.zk.RegisterControllerAndIncrementEpoch(ctx, c.id)
	if err != nil {
		if errors.Is(err, zkdata.ErrControllerMoved) {
			c.maybeResign(ctx)
			return
		}
		c.log.Error("Error while electing or becoming controller", "err", err)
		c.triggerControllerMove(ctx)
		return
	}
	c.cc.epoch, c.cc.epochZkVersion = epoch, epochZkVersion
	c.activeIDCache.Store(c.id)
	c.active = true
	c.activeFlag.Store(true)
	c.epochCache.Store(epoch)
	c.log.Info("Elected as the controller", "epoch", epoch, "epochZkVersion", epochZkVersion)
	if err := c.onControllerFailover(ctx); err != nil {
		if errors.Is(err, zkdata.ErrControllerMoved) {
			c.maybeResign(ctx)
			return
		}
		c.log.Error("Error while becoming controller", "err", err)
		c.triggerControllerMove(ctx)
	}
}

// maybeResign re-reads /controller and resigns if another broker holds it.
func (c *Controller) maybeResign(ctx context.Context) {
	was := c.active
	if c.readActiveID(ctx) != c.id && was {
		c.resign(ctx)
	}
}

func (c *Controller) processControllerChange(ctx context.Context) error {
	c.maybeResign(ctx)
	return nil
}

func (c *Controller) processReelect(ctx context.Context) error {
	c.maybeResign(ctx)
	c.elect(ctx)
	return nil
}

func (c *Controller) processRegisterBrokerAndReelect(ctx context.Context) error {
	epoch, err := c.zk.RegisterBroker(ctx, c.cfg.Broker)
	if err != nil {
		c.log.Error("Re-registering the broker after a session expiry failed", "err", err)
	} else {
		c.brokerEpoch.Store(epoch)
	}
	return c.processReelect(ctx)
}

func (c *Controller) processExpire(ctx context.Context) error {
	c.activeIDCache.Store(-1)
	c.resign(ctx)
	return nil
}

// triggerControllerMove gives up the controllership by deleting
// /controller (fenced), so that another election takes place.
func (c *Controller) triggerControllerMove(ctx context.Context) {
	if c.readActiveID(ctx) != c.id {
		return
	}
	version := c.cc.epochZkVersion
	c.activeIDCache.Store(-1)
	c.resign(ctx)
	if err := c.zk.DeleteController(ctx, version); err != nil {
		c.log.Warn("Controller has already moved when trying to trigger controller movement", "err", err)
	}
}

// resign is onControllerResignation: drop the watches and the state.
func (c *Controller) resign(ctx context.Context) {
	if !c.active {
		return
	}
	c.active = false
	c.activeFlag.Store(false)
	c.epochCache.Store(0)
	for _, p := range []string{zkdata.BrokerIDsPath, zkdata.TopicsPath, zkdata.DeleteTopicsPath,
		zkdata.IsrChangeNotificationPath, zkdata.LogDirEventNotificationPath} {
		c.zk.Unwatch(ctx, p)
	}
	for t := range c.partitionWatch {
		c.zk.Unwatch(ctx, zkdata.TopicPath(t))
	}
	for b := range c.brokerWatch {
		c.zk.Unwatch(ctx, zkdata.BrokerPath(b))
	}
	c.partitionWatch = map[string]bool{}
	c.brokerWatch = map[int32]bool{}
	c.chans.shutdown()
	c.batch.clear()
	c.cc.reset()
	c.log.Info("Resigned")
}

// onControllerFailover is KafkaController.onControllerFailover.
func (c *Controller) onControllerFailover(ctx context.Context) error {
	watches := []struct {
		path string
		name string
		fn   func(context.Context) error
	}{
		{zkdata.BrokerIDsPath, "BrokerChange", c.processBrokerChange},
		{zkdata.TopicsPath, "TopicChange", c.processTopicChange},
		{zkdata.DeleteTopicsPath, "TopicDeletion", c.processTopicDeletion},
		{zkdata.LogDirEventNotificationPath, "LogDirEventNotification", c.processLogDirEvents},
		{zkdata.IsrChangeNotificationPath, "IsrChangeNotification", c.processIsrChangeNotification},
	}
	for _, w := range watches {
		if err := c.zk.Watch(ctx, w.path, c.childWatch(w.name, w.fn)); err != nil {
			return err
		}
	}
	for _, dir := range []string{zkdata.LogDirEventNotificationPath, zkdata.IsrChangeNotificationPath} {
		names, _, err := c.zk.Notifications(ctx, dir)
		if err != nil {
			return err
		}
		if err := c.zk.DeleteNotifications(ctx, dir, names, c.cc.epochZkVersion); err != nil {
			return err
		}
	}
	if err := c.initializeContext(ctx); err != nil {
		return err
	}
	deletions, err := c.zk.GetTopicDeletions(ctx)
	if err != nil {
		return err
	}
	if err := c.initDeletion(ctx, deletions); err != nil {
		return err
	}
	// Brokers learn the live brokers before any LeaderAndIsr.
	c.sendUpdateMetadata(c.cc.liveOrShuttingDownBrokerIDs(), nil)
	if err := c.startReplicaStateMachine(ctx); err != nil {
		return err
	}
	if err := c.startPartitionStateMachine(ctx); err != nil {
		return err
	}
	c.log.Info("Ready to serve as the new controller", "epoch", c.cc.epoch)
	return c.resumeDeletions(ctx)
}

// initializeContext is initializeControllerContext.
func (c *Controller) initializeContext(ctx context.Context) error {
	brokers, err := c.zk.GetAllBrokerAndEpochs(ctx)
	if err != nil {
		return err
	}
	for _, b := range brokers {
		c.cc.liveBrokers[b.ID] = liveBroker{info: b.BrokerInfo, epoch: b.Epoch}
		c.chans.addBroker(b.ID)
	}
	topics, err := c.zk.GetAllTopics(ctx)
	if err != nil {
		return err
	}
	for _, t := range topics {
		c.cc.allTopics[t] = true
	}
	if err := c.watchPartitionModifications(ctx, topics); err != nil {
		return err
	}
	assignments, err := c.zk.GetTopicAssignments(ctx, topics)
	if err != nil {
		return err
	}
	if err := c.processTopicIDs(ctx, assignments); err != nil {
		return err
	}
	for _, a := range assignments {
		for p, ra := range a.Partitions {
			c.cc.setAssignment(TopicPartition{Topic: a.Topic, Partition: p}, ra)
		}
	}
	for _, b := range brokers {
		if err := c.watchBroker(ctx, b.ID); err != nil {
			return err
		}
	}
	return c.updateLeaderAndIsrCache(ctx, c.cc.allPartitions())
}

// processTopicIDs gives topics without an id one (inter.broker.protocol
// 2.8 uses topic ids) and records the ids.
func (c *Controller) processTopicIDs(ctx context.Context, assignments map[string]zkdata.TopicAssignment) error {
	for name, a := range assignments {
		if a.TopicID.IsZero() {
			id, err := zkdata.NewUUID(nil)
			if err != nil {
				return err
			}
			a.TopicID = id
			if err := c.zk.SetTopicAssignment(ctx, a, c.cc.epochZkVersion); err != nil {
				return err
			}
			assignments[name] = a
		}
		c.cc.topicIDs[name] = a.TopicID
	}
	return nil
}

func (c *Controller) updateLeaderAndIsrCache(ctx context.Context, tps []TopicPartition) error {
	states, err := c.zk.GetPartitionStates(ctx, tps)
	if err != nil {
		return err
	}
	for tp, s := range states {
		c.cc.leadership[tp] = s
	}
	return nil
}

func (c *Controller) watchPartitionModifications(ctx context.Context, topics []string) error {
	for _, t := range topics {
		if c.partitionWatch[t] {
			continue
		}
		topic := t
		err := c.zk.Watch(ctx, zkdata.TopicPath(topic), func(e client.Event) {
			if e.Type == jute.EventNodeDataChanged {
				c.put("PartitionModifications", func(ctx context.Context) error { return c.processPartitionModifications(ctx, topic) })
			}
		})
		if err != nil {
			return err
		}
		c.partitionWatch[topic] = true
	}
	return nil
}

func (c *Controller) unwatchPartitionModifications(ctx context.Context, topic string) {
	if c.partitionWatch[topic] {
		c.zk.Unwatch(ctx, zkdata.TopicPath(topic))
		delete(c.partitionWatch, topic)
	}
}

func (c *Controller) watchBroker(ctx context.Context, id int32) error {
	if c.brokerWatch[id] {
		return nil
	}
	err := c.zk.Watch(ctx, zkdata.BrokerPath(id), func(e client.Event) {
		if e.Type == jute.EventNodeDataChanged {
			c.put("BrokerModifications", func(ctx context.Context) error { return c.processBrokerModification(ctx, id) })
		}
	})
	if err == nil {
		c.brokerWatch[id] = true
	}
	return err
}

func (c *Controller) unwatchBroker(ctx context.Context, id int32) {
	if c.brokerWatch[id] {
		c.zk.Unwatch(ctx, zkdata.BrokerPath(id))
		delete(c.brokerWatch, id)
	}
}

// ---- sending ----

// sendBatch sends what the batch holds (sendRequestsToBrokers).
func (c *Controller) sendBatch() {
	for _, o := range c.batch.build() {
		c.chans.send(o.broker, o.req)
	}
}

// sendUpdateMetadata is KafkaController.sendUpdateMetadataRequest.
func (c *Controller) sendUpdateMetadata(brokers []int32, tps []TopicPartition) {
	c.batch.addUpdateMetadata(brokers, tps)
	c.sendBatch()
}

// onResponse runs on a broker's sender goroutine: it queues the response
// for the event loop.
func (c *Controller) onResponse(broker int32, req kmsg.Request, resp kmsg.Response) {
	switch r := resp.(type) {
	case *kmsg.LeaderAndISRResponse:
		c.put("LeaderAndIsrResponseReceived", func(ctx context.Context) error { return c.processLeaderAndIsrResponse(ctx, broker, r) })
	case *kmsg.StopReplicaResponse:
		sr, _ := req.(*kmsg.StopReplicaRequest)
		c.put("TopicDeletionStopReplicaResponseReceived", func(ctx context.Context) error { return c.processStopReplicaResponse(ctx, broker, sr, r) })
	}
}
