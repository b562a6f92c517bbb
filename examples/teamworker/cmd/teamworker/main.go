// Command teamworker serves the example team's Slipway actions from its own
// Temporal worker: it connects out to Slipway's Temporal frontend and polls
// the team's task queue, so it needs no inbound port and no Slipway
// credential.
//
//	go run ./examples/teamworker/cmd/teamworker -address 127.0.0.1:7233 -namespace default
package main

import (
	"flag"
	"log"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/slipwayhq/slipway/examples/teamworker"
)

func main() {
	address := flag.String("address", "127.0.0.1:7233", "Slipway's Temporal frontend (host:port)")
	namespace := flag.String("namespace", "default", "Slipway's Temporal namespace")
	queue := flag.String("task-queue", teamworker.TaskQueue, "the task queue the actions' definitions name")
	flag.Parse()

	c, err := client.Dial(client.Options{HostPort: *address, Namespace: *namespace})
	if err != nil {
		log.Fatalf("connect to Temporal at %s: %v", *address, err)
	}
	defer c.Close()
	w := worker.New(c, *queue, worker.Options{})
	teamworker.Register(w, 500*time.Millisecond)
	if err := w.Run(worker.InterruptCh()); err != nil {
		log.Fatal(err)
	}
}
