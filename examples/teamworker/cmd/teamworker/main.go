// Command teamworker serves the example team's Slipway actions from its own
// Temporal worker: it connects out to Slipway's Temporal frontend and polls
// the team's task queue, so it needs no inbound port and no Slipway
// credential.
//
//	go run ./examples/teamworker/cmd/teamworker -address 127.0.0.1:7233 -namespace default
//
// With -nexus-service it serves the same handlers as Nexus operations from
// the team's own namespace instead (the definitions then name a Nexus
// endpoint whose target is that namespace and task queue):
//
//	go run ./examples/teamworker/cmd/teamworker -namespace payments -task-queue payments-nexus -nexus-service slipway-actions
package main

import (
	"flag"
	"log"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/slipwayhq/slipway/backend"
	"github.com/slipwayhq/slipway/examples/teamworker"
)

func main() {
	address := flag.String("address", "127.0.0.1:7233", "Slipway's Temporal frontend (host:port)")
	namespace := flag.String("namespace", "default", "the namespace to poll: Slipway's, or with -nexus-service the team's own")
	queue := flag.String("task-queue", teamworker.TaskQueue, "the task queue the actions' definitions (or the Nexus endpoint) name")
	nexusService := flag.String("nexus-service", "", "serve the handlers as this Nexus service's operations, from the team's own namespace")
	flag.Parse()

	c, err := client.Dial(client.Options{HostPort: *address, Namespace: *namespace})
	if err != nil {
		log.Fatalf("connect to Temporal at %s: %v", *address, err)
	}
	defer c.Close()
	w := worker.New(c, *queue, worker.Options{})
	const pace = 500 * time.Millisecond
	if *nexusService != "" {
		if err := backend.RegisterNexusService(w, *nexusService, teamworker.Handlers(pace)); err != nil {
			log.Fatal(err)
		}
	} else {
		teamworker.Register(w, pace)
	}
	if err := w.Run(worker.InterruptCh()); err != nil {
		log.Fatal(err)
	}
}
