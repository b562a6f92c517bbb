package testkit

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Kafka is franz-go's in-process Kafka (kfake) with one topic, closed when
// the test ends.
type Kafka struct {
	Brokers []string
	Topic   string
}

// MustKafka starts a one-broker cluster holding topic (one partition);
// opts add SASL, TLS and the like.
func MustKafka(t testing.TB, topic string, opts ...kfake.Opt) *Kafka {
	t.Helper()
	cluster, err := kfake.NewCluster(append([]kfake.Opt{kfake.NumBrokers(1), kfake.SeedTopics(1, topic)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cluster.Close)
	return &Kafka{Brokers: cluster.ListenAddrs(), Topic: topic}
}

// Records reads the topic from its start until it has want records (or
// fails the test after 30 s), then a little longer to catch any record
// beyond those: a test that wants "exactly once" checks len(records).
// opts add the consumer's SASL and the like.
func (k *Kafka) Records(t testing.TB, want int, opts ...kgo.Opt) []*kgo.Record {
	t.Helper()
	consumer, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(k.Brokers...), kgo.ConsumeTopics(k.Topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	defer consumer.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out []*kgo.Record
	for len(out) < want {
		fetches := consumer.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read %d records of %d from %s", len(out), want, k.Topic)
		}
		out = append(out, fetches.Records()...)
	}
	more, cancelMore := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancelMore()
	return append(out, consumer.PollFetches(more).Records()...)
}

// RecordHeader returns the value of a record's header (empty when absent).
func RecordHeader(r *kgo.Record, name string) string {
	for _, h := range r.Headers {
		if h.Key == name {
			return string(h.Value)
		}
	}
	return ""
}
