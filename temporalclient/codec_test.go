//go:build !slipway_lean

package temporalclient_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/slipwayhq/slipway/secrets"
	"github.com/slipwayhq/slipway/temporalclient"
	"github.com/slipwayhq/slipway/testkit/temporaltest"
)

const secret = "hunter2-codec-test"

// shout fails its first attempt with a message that quotes its input, as
// careless errors do, then answers.
func shout(ctx context.Context, s string) (string, error) {
	if activity.GetInfo(ctx).Attempt == 1 {
		return "", errors.New("first attempt fails on " + s)
	}
	return strings.ToUpper(s), nil
}

func shoutWorkflow(ctx workflow.Context, s string) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 10 * time.Millisecond},
	})
	var out string
	err := workflow.ExecuteActivity(ctx, shout, s).Get(ctx, &out)
	return out + "!", err
}

func TestPayloadCodecEncryptsHistoriesAndReadsPlainOnes(t *testing.T) {
	srv := temporaltest.MustStart(t)
	key, _ := secrets.GenerateKey()
	raw, _ := secrets.DecodeKey(key)
	keys, err := secrets.NewKeyring(raw)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	logger := slog.New(slog.DiscardHandler)
	c, err := temporalclient.Dial(ctx, srv.FrontendAddr, temporaltest.Namespace, logger, temporalclient.WithPayloadCodec(secrets.Codec{Keys: keys}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	const queue = "codec-test"
	w := sdkworker.New(c, queue, sdkworker.Options{})
	w.RegisterWorkflowWithOptions(shoutWorkflow, workflow.RegisterOptions{Name: "shout"})
	w.RegisterActivity(shout)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "codec-encrypted", TaskQueue: queue}, "shout", secret)
	if err != nil {
		t.Fatal(err)
	}
	var got string
	if err := run.Get(ctx, &got); err != nil || got != strings.ToUpper(secret)+"!" {
		t.Fatalf("result %q: %v", got, err)
	}

	hist, err := c.WorkflowService().GetWorkflowExecutionHistory(ctx, &workflowservice.GetWorkflowExecutionHistoryRequest{
		Namespace: temporaltest.Namespace, Execution: &commonpb.WorkflowExecution{WorkflowId: run.GetID(), RunId: run.GetRunID()},
	})
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := hist.GetHistory().Marshal()
	for _, s := range []string{secret, strings.ToUpper(secret), "first attempt fails"} {
		if bytes.Contains(stored, []byte(s)) {
			t.Errorf("the history holds %q in plaintext", s)
		}
	}
	payloads := temporaltest.Payloads(hist.GetHistory())
	if len(payloads) < 4 { // workflow input, activity input and result, workflow result
		t.Fatalf("only %d payloads in the history", len(payloads))
	}
	for i, p := range payloads {
		if !secrets.IsEncryptedPayload(p) {
			t.Errorf("payload %d is not encrypted: %v", i, p.GetMetadata())
		}
	}

	// A client without the key sees ciphertext only.
	plain, err := temporalclient.Dial(ctx, srv.FrontendAddr, temporaltest.Namespace, logger)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if err := plain.GetWorkflow(ctx, run.GetID(), run.GetRunID()).Get(ctx, &got); err == nil {
		t.Errorf("a client without the codec read the result %q", got)
	}

	// Histories written before encryption (no codec) still read with it.
	w2 := sdkworker.New(plain, queue+"-plain", sdkworker.Options{})
	w2.RegisterWorkflowWithOptions(shoutWorkflow, workflow.RegisterOptions{Name: "shout"})
	w2.RegisterActivity(shout)
	if err := w2.Start(); err != nil {
		t.Fatal(err)
	}
	defer w2.Stop()
	old, err := plain.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "codec-plain", TaskQueue: queue + "-plain"}, "shout", "old")
	if err != nil {
		t.Fatal(err)
	}
	if err := old.Get(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.GetWorkflow(ctx, old.GetID(), old.GetRunID()).Get(ctx, &got); err != nil || got != "OLD!" {
		t.Errorf("plain history read through the codec: %q %v", got, err)
	}
}
