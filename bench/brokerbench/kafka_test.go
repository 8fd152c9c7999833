package main

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// refuseCreate makes kfake answer the next CreateTopics with code.
func refuseCreate(c *kfake.Cluster, code int16) {
	c.ControlKey(kmsg.CreateTopics.Int16(), func(req kmsg.Request) (kmsg.Response, error, bool) {
		creq := req.(*kmsg.CreateTopicsRequest)
		resp := creq.ResponseKind().(*kmsg.CreateTopicsResponse)
		for _, t := range creq.Topics {
			rt := kmsg.NewCreateTopicsResponseTopic()
			rt.Topic, rt.ErrorCode = t.Topic, code
			resp.Topics = append(resp.Topics, rt)
		}
		return resp, nil, true
	})
}

// TestCreateLogRetries checks that a topic is created through a broker
// whose controller is not ready yet, and that a real refusal is reported.
func TestCreateLogRetries(t *testing.T) {
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	d, err := newKafkaDriver(c.ListenAddrs()[0], 0)
	if err != nil {
		t.Fatal(err)
	}
	defer d.close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	refuseCreate(c, kerr.NotController.Code)
	refuseCreate(c, kerr.RequestTimedOut.Code)
	if err := d.createLog(ctx, "retried", 3); err != nil {
		t.Fatalf("createLog after retriable errors: %v", err)
	}
	md, err := d.adm.Metadata(ctx, "retried")
	if err != nil || len(md.Topics["retried"].Partitions) != 3 {
		t.Fatalf("metadata %+v, %v", md.Topics, err)
	}

	refuseCreate(c, kerr.PolicyViolation.Code)
	if err := d.createLog(ctx, "refused", 1); !errors.Is(err, kerr.PolicyViolation) {
		t.Errorf("refused creation: %v", err)
	}
	if err := d.deleteLog(ctx, "retried", 3); err != nil {
		t.Errorf("deleteLog: %v", err)
	}
}
