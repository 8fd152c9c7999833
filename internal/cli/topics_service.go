package cli

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/wharf-project/wharf/internal/jopt"
)

// topicService is TopicCommand.TopicService over a kgo client: each
// action, and the text TopicCommand prints.
type topicService struct {
	opts   *topicsOptions
	env    toolEnv
	target kafkaTarget
	cl     *kgo.Client
	adm    *kadm.Client
}

// topicsRequestTimeout bounds each admin request, as the Admin client's
// default.api.timeout.ms does.
const topicsRequestTimeout = 60 * time.Second

func (s *topicService) close() {
	if s.cl != nil {
		s.cl.Close()
	}
}

// connect reaches the cluster on the first request (the Java Admin
// connects lazily too, so the option errors come first).
func (s *topicService) connect(ctx context.Context) error {
	if s.cl != nil {
		return nil
	}
	cl, err := s.target.client(ctx, "consumer", s.env.stderr)
	if err != nil {
		return &tcError{"org.apache.kafka.common.errors.TimeoutException", err.Error()}
	}
	s.cl, s.adm = cl, kadm.NewClient(cl)
	return nil
}

// printException is TopicCommand.printException: the message on stdout,
// the stack trace logged at ERROR on stderr (tools-log4j.properties'
// "[%d] %p %m (%c)%n"; here the trace's first line).
func (s *topicService) printException(err error) {
	e := tcJoptError(err)
	fmt.Fprintln(s.env.stdout, "Error while executing topic command : "+e.Msg)
	fmt.Fprintf(s.env.stderr, "[%s] ERROR %s: %s\n (org.apache.kafka.tools.TopicCommand)\n",
		s.env.now().Format("2006-01-02 15:04:05,000"), e.Class, e.Msg)
}

func (s *topicService) execute(ctx context.Context) error {
	o := s.opts
	switch {
	case o.has(o.create):
		return s.createTopic(ctx)
	case o.has(o.alter):
		return s.alterTopic(ctx)
	case o.has(o.list):
		return s.listTopics(ctx)
	case o.has(o.describe):
		return s.describeTopic(ctx)
	default:
		return s.deleteTopic(ctx)
	}
}

// commandTopicPartition is TopicCommand.CommandTopicPartition: what
// --create and --alter read, in its constructor's order (so the first bad
// value is the one reported).
type commandTopicPartition struct {
	name              string
	partitions        *int32
	replicationFactor *int32
	assignment        [][]int32
	configKeys        []string
	configs           map[string]string
}

func (s *topicService) commandTopicPartition() (*commandTopicPartition, error) {
	o, set := s.opts, s.opts.set
	t := &commandTopicPartition{}
	var err error
	if t.name, _, err = set.ValueOf(o.topic); err != nil {
		return nil, err
	}
	for _, p := range []struct {
		spec *jopt.Spec
		dst  **int32
	}{{o.partitions, &t.partitions}, {o.replicationFactor, &t.replicationFactor}} {
		if set.Has(p.spec) {
			n, err := set.IntValueOf(p.spec)
			if err != nil {
				return nil, err
			}
			*p.dst = &n
		}
	}
	if set.Has(o.replicaAssignment) {
		v, _, err := set.ValueOf(o.replicaAssignment)
		if err != nil {
			return nil, err
		}
		if v != "" {
			if t.assignment, err = tcParseReplicaAssignment(v); err != nil {
				return nil, err
			}
		}
	}
	t.configKeys, t.configs, err = tcParseConfigs(set.ValuesOf(o.config))
	if err != nil {
		return nil, err
	}
	if _, ok := t.configs["message.format.version"]; ok {
		// The original's Java string is not interpolated: it prints the
		// ${...} placeholders as they are.
		fmt.Fprintln(s.env.stdout, "WARNING: The configuration ${TopicConfig.MESSAGE_FORMAT_VERSION_CONFIG}=${props.getProperty(TopicConfig.MESSAGE_FORMAT_VERSION_CONFIG)} is specified. "+
			"This configuration will be ignored if the version is newer than the inter.broker.protocol.version specified in the broker or "+
			"if the inter.broker.protocol.version is 3.0 or newer. This configuration is deprecated and it will be removed in Apache Kafka 4.0.")
	}
	return t, nil
}

// tcAPIError is the exception the Java client raises for an error code: the
// broker's message, else the error's default one.
func tcAPIError(code int16, msg *string) error {
	if code == 0 {
		return nil
	}
	e := kerr.ErrorForCode(code)
	text := "Unexpected error code " + strconv.Itoa(int(code)) + "."
	var ke *kerr.Error
	if errors.As(e, &ke) {
		text = ke.Description
	}
	if msg != nil {
		text = *msg
	}
	return &tcError{tcExceptionClass(e), text}
}

// tcExceptionClass names the Java exception of a few Kafka errors (it
// only shows in the logged stack trace).
func tcExceptionClass(err error) string {
	if n := tcExceptionNames[err]; n != "" {
		return "org.apache.kafka.common.errors." + n
	}
	return "org.apache.kafka.common.errors.ApiException"
}

var tcExceptionNames = map[error]string{
	kerr.TopicAlreadyExists:         "TopicExistsException",
	kerr.UnknownTopicOrPartition:    "UnknownTopicOrPartitionException",
	kerr.InvalidReplicationFactor:   "InvalidReplicationFactorException",
	kerr.InvalidPartitions:          "InvalidPartitionsException",
	kerr.InvalidReplicaAssignment:   "InvalidReplicaAssignmentException",
	kerr.InvalidConfig:              "InvalidConfigurationException",
	kerr.InvalidTopicException:      "InvalidTopicException",
	kerr.PolicyViolation:            "PolicyViolationException",
	kerr.TopicDeletionDisabled:      "TopicDeletionDisabledException",
	kerr.TopicAuthorizationFailed:   "TopicAuthorizationException",
	kerr.ClusterAuthorizationFailed: "ClusterAuthorizationException",
	kerr.InvalidRequest:             "InvalidRequestException",
	kerr.ReassignmentInProgress:     "ReassignmentInProgressException",
	kerr.UnsupportedVersion:         "UnsupportedVersionException",
	kerr.ThrottlingQuotaExceeded:    "ThrottlingQuotaExceededException",
	kerr.RequestTimedOut:            "TimeoutException",
	kerr.NotController:              "NotControllerException",
	kerr.BrokerNotAvailable:         "BrokerNotAvailableException",
	kerr.LeaderNotAvailable:         "LeaderNotAvailableException",
	kerr.UnknownServerError:         "UnknownServerException",
}

// request sends req with the admin timeout; a transport error becomes the
// Admin client's TimeoutException-like failure.
func (s *topicService) request(ctx context.Context, req kmsg.Request) (kmsg.Response, error) {
	ctx, cancel := context.WithTimeout(ctx, topicsRequestTimeout)
	defer cancel()
	resp, err := s.cl.Request(ctx, req)
	if err != nil {
		return nil, s.clientError(err)
	}
	return resp, nil
}

func (s *topicService) clientError(err error) error {
	var ke *kerr.Error
	if errors.As(err, &ke) {
		return tcAPIError(ke.Code, nil)
	}
	return &tcError{"org.apache.kafka.common.errors.TimeoutException", err.Error()}
}

// createTopic is TopicService.createTopic.
func (s *topicService) createTopic(ctx context.Context) error {
	t, err := s.commandTopicPartition()
	if err != nil {
		return err
	}
	if strings.ContainsAny(t.name, "._") { // Topic.hasCollisionChars
		fmt.Fprintln(s.env.stdout, "WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') could "+
			"collide. To avoid issues it is best to use either, but not both.")
	}
	if rf := t.replicationFactor; rf != nil && (*rf > math.MaxInt16 || *rf < 1) {
		return tcIllegalArgument(fmt.Sprintf("The replication factor must be between 1 and %d inclusive", math.MaxInt16))
	}
	if p := t.partitions; p != nil && *p < 1 {
		return tcIllegalArgument("The partitions must be greater than 0")
	}
	if err := s.connect(ctx); err != nil {
		return err
	}
	rt := kmsg.NewCreateTopicsRequestTopic()
	rt.Topic = t.name
	rt.NumPartitions, rt.ReplicationFactor = -1, -1
	if len(t.assignment) > 0 {
		for i, replicas := range t.assignment {
			a := kmsg.NewCreateTopicsRequestTopicReplicaAssignment()
			a.Partition, a.Replicas = int32(i), replicas
			rt.ReplicaAssignment = append(rt.ReplicaAssignment, a)
		}
	} else {
		if t.partitions != nil {
			rt.NumPartitions = *t.partitions
		}
		if t.replicationFactor != nil {
			rt.ReplicationFactor = int16(*t.replicationFactor)
		}
	}
	for _, k := range t.configKeys {
		c := kmsg.NewCreateTopicsRequestTopicConfig()
		v := t.configs[k]
		c.Name, c.Value = k, &v
		rt.Configs = append(rt.Configs, c)
	}
	req := kmsg.NewPtrCreateTopicsRequest()
	req.TimeoutMillis = int32(topicsRequestTimeout.Milliseconds())
	req.Topics = append(req.Topics, rt)
	resp, err := s.request(ctx, req)
	if err != nil {
		return err
	}
	for _, r := range resp.(*kmsg.CreateTopicsResponse).Topics {
		if r.Topic != t.name || r.ErrorCode == 0 {
			continue
		}
		if r.ErrorCode == kerr.TopicAlreadyExists.Code && s.opts.has(s.opts.ifNotExists) {
			return nil
		}
		return tcAPIError(r.ErrorCode, r.ErrorMessage)
	}
	fmt.Fprintln(s.env.stdout, "Created topic "+t.name+".")
	return nil
}

// getTopics is TopicService.getTopics: the topic names, sorted, filtered
// by --topic's regex and --exclude-internal.
func (s *topicService) getTopics(ctx context.Context) ([]string, map[string]kadm.TopicDetail, error) {
	if err := s.connect(ctx); err != nil {
		return nil, nil, err
	}
	md, err := s.metadata(ctx)
	if err != nil {
		return nil, nil, err
	}
	exclude := s.opts.has(s.opts.excludeInternal)
	var all []string
	for name, td := range md.Topics {
		if td.Err != nil || exclude && td.IsInternal {
			continue
		}
		all = append(all, name)
	}
	sort.Strings(all)
	var filter *topicIncludeList
	if s.opts.has(s.opts.topic) {
		raw, _, err := s.opts.set.ValueOf(s.opts.topic)
		if err != nil {
			return nil, nil, err
		}
		if filter, err = newTopicIncludeList(raw); err != nil {
			return nil, nil, err
		}
	}
	var out []string
	for _, t := range all {
		if filter != nil && !filter.allowed(t, exclude) || filter == nil && tcInternalTopics[t] && exclude {
			continue
		}
		out = append(out, t)
	}
	return out, md.Topics, nil
}

func (s *topicService) metadata(ctx context.Context, topics ...string) (kadm.Metadata, error) {
	ctx, cancel := context.WithTimeout(ctx, topicsRequestTimeout)
	defer cancel()
	md, err := s.adm.Metadata(ctx, topics...)
	if err != nil {
		return md, s.clientError(err)
	}
	return md, nil
}

// ensureTopicExists is TopicCommand.ensureTopicExists. Kafka 3.9 formats
// the Optional holding the name, hence "Topic 'Optional[name]' ...".
func (s *topicService) ensureTopicExists(found []string) error {
	if s.opts.has(s.opts.ifExists) || len(found) > 0 {
		return nil
	}
	name, ok, _ := s.opts.set.ValueOf(s.opts.topic)
	if !ok || name == "" {
		return nil
	}
	return tcIllegalArgument(fmt.Sprintf("Topic 'Optional[%s]' does not exist as expected", name))
}

// listTopics is TopicService.listTopics: one name a line; an empty list
// still prints its (empty) line.
func (s *topicService) listTopics(ctx context.Context) error {
	topics, _, err := s.getTopics(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(s.env.stdout, strings.Join(topics, "\n"))
	return nil
}

// existingTopics is getTopics then ensureTopicExists, as --alter and
// --delete begin.
func (s *topicService) existingTopics(ctx context.Context) ([]string, map[string]kadm.TopicDetail, error) {
	topics, details, err := s.getTopics(ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := s.ensureTopicExists(topics); err != nil {
		return nil, nil, err
	}
	return topics, details, nil
}

// tcFirstError is the failure all().get() reports: the first topic's, in
// request order.
func tcFirstError(topics []string, errs map[string]error) error {
	for _, t := range topics {
		if errs[t] != nil {
			return errs[t]
		}
	}
	return nil
}

// deleteTopic is TopicService.deleteTopic: nothing printed on success.
func (s *topicService) deleteTopic(ctx context.Context) error {
	topics, _, err := s.existingTopics(ctx)
	if err != nil || len(topics) == 0 {
		return err
	}
	req := kmsg.NewPtrDeleteTopicsRequest()
	req.TimeoutMillis = int32(topicsRequestTimeout.Milliseconds())
	for _, t := range topics {
		rt := kmsg.NewDeleteTopicsRequestTopic()
		rt.Topic = kmsg.StringPtr(t)
		req.Topics = append(req.Topics, rt)
		req.TopicNames = append(req.TopicNames, t)
	}
	resp, err := s.request(ctx, req)
	if err != nil {
		return err
	}
	errs := map[string]error{}
	for _, r := range resp.(*kmsg.DeleteTopicsResponse).Topics {
		if r.Topic != nil {
			errs[*r.Topic] = tcAPIError(r.ErrorCode, r.ErrorMessage)
		}
	}
	return tcFirstError(topics, errs)
}

// alterTopic is TopicService.alterTopic (CreatePartitions, printing
// nothing), and under --zookeeper also Kafka 2.8's config alteration.
func (s *topicService) alterTopic(ctx context.Context) error {
	t, err := s.commandTopicPartition()
	if err != nil {
		return err
	}
	o := s.opts
	var deletes []string
	if o.has(o.zookeeper) {
		for _, d := range o.set.ValuesOf(o.deleteConfig) {
			d = tcTrim(d)
			if !slices.Contains(topicConfigNames39, d) {
				return &tcError{"org.apache.kafka.common.errors.InvalidConfigurationException", "Unknown topic config name: " + d}
			}
			deletes = append(deletes, d)
		}
	}
	topics, details, err := s.existingTopics(ctx)
	if err != nil || len(topics) == 0 {
		return err
	}
	if o.has(o.zookeeper) && (o.has(o.config) || o.has(o.deleteConfig)) {
		if err := s.alterConfigs28(ctx, topics, t, deletes); err != nil {
			return err
		}
	}
	if t.partitions == nil { // only 2.8's config alteration goes without --partitions
		return nil
	}
	req := kmsg.NewPtrCreatePartitionsRequest()
	req.TimeoutMillis = int32(topicsRequestTimeout.Milliseconds())
	for _, name := range topics {
		rt := kmsg.NewCreatePartitionsRequestTopic()
		rt.Topic, rt.Count = name, *t.partitions
		if len(t.assignment) > 0 {
			for _, replicas := range t.assignment[min(len(details[name].Partitions), len(t.assignment)):] {
				a := kmsg.NewCreatePartitionsRequestTopicAssignment()
				a.Replicas = replicas
				rt.Assignment = append(rt.Assignment, a)
			}
		}
		req.Topics = append(req.Topics, rt)
	}
	resp, err := s.request(ctx, req)
	if err != nil {
		return err
	}
	errs := map[string]error{}
	for _, r := range resp.(*kmsg.CreatePartitionsResponse).Topics {
		errs[r.Topic] = tcAPIError(r.ErrorCode, r.ErrorMessage)
	}
	return tcFirstError(topics, errs)
}

// alterConfigs28 is Kafka 2.8's ZooKeeper-mode config alteration in
// TopicCommand.alterTopic, through IncrementalAlterConfigs.
func (s *topicService) alterConfigs28(ctx context.Context, topics []string, t *commandTopicPartition, deletes []string) error {
	var ops []kadm.AlterConfig
	for _, k := range t.configKeys {
		v := t.configs[k]
		ops = append(ops, kadm.AlterConfig{Op: kadm.SetConfig, Name: k, Value: &v})
	}
	for _, d := range deletes {
		ops = append(ops, kadm.AlterConfig{Op: kadm.DeleteConfig, Name: d})
	}
	for _, name := range topics {
		fmt.Fprintln(s.env.stdout, "WARNING: Altering topic configuration from this script has been deprecated and may be removed in future releases.")
		fmt.Fprintln(s.env.stdout, "         Going forward, please use kafka-configs.sh for this functionality")
		rctx, cancel := context.WithTimeout(ctx, topicsRequestTimeout)
		resps, err := s.adm.AlterTopicConfigs(rctx, ops, name)
		cancel()
		if err != nil {
			return s.clientError(err)
		}
		for _, r := range resps {
			if r.Err != nil {
				var ke *kerr.Error
				if errors.As(r.Err, &ke) {
					var msg *string
					if r.ErrMessage != "" {
						msg = &r.ErrMessage
					}
					return tcAPIError(ke.Code, msg)
				}
				return s.clientError(r.Err)
			}
		}
		fmt.Fprintln(s.env.stdout, "Updated config for topic "+name+".")
	}
	return nil
}
