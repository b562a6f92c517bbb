package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/slipwayhq/slipway/activities"
)

// publishKafka is a KAFKA run's backend call: the run's message goes to the
// configured topic, and the run stays in progress until its consumer
// reports through the run API, as a webhook's backend does.
func (r *run) publishKafka(ctx, callCtx workflow.Context, payload []byte) error {
	var a *activities.Activities
	var res activities.PublishKafkaResult
	err := workflow.ExecuteActivity(callCtx, a.PublishKafka, activities.PublishKafkaInput{
		RunID: r.in.RunID, Payload: r.in.Action.InvocationMethod.Payload, Data: payload,
	}).Get(callCtx, &res)
	if stop, err := r.stopsAfterCall(ctx, err); stop {
		return err
	}
	r.addLog(ctx, fmt.Sprintf("published to Kafka topic %s (partition %d, offset %d)", res.Topic, res.Partition, res.Offset))
	return r.save(ctx)
}
