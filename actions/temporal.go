package actions

import (
	"sort"
	"strings"
	"unicode"
)

// maxTemporalName is Temporal's default limit on task queue and activity
// names (limit.maxIDLength).
const maxTemporalName = 1000

// validateTemporal checks a TEMPORAL invocation: the team's task queue and
// the activity its worker serves there, or a Nexus operation.
func validateTemporal(inv Invocation, v *violations) {
	if n := inv.Nexus; n != nil {
		if inv.TaskQueue != "" || inv.Activity != "" {
			v.add("invocationMethod.nexus", "takes the place of taskQueue and activity: set one or the other")
		}
		checkTemporalName("invocationMethod.nexus.endpoint", n.Endpoint, v)
		checkTemporalName("invocationMethod.nexus.service", n.Service, v)
		checkTemporalName("invocationMethod.nexus.operation", n.Operation, v)
		if strings.HasPrefix(n.Endpoint, "__temporal_") {
			v.add("invocationMethod.nexus.endpoint", "must not start with __temporal_ (Temporal's own)")
		}
		if strings.HasPrefix(n.Service, "__temporal_") {
			v.add("invocationMethod.nexus.service", "must not start with __temporal_ (Temporal's own)")
		}
		return
	}
	checkTemporalName("invocationMethod.taskQueue", inv.TaskQueue, v)
	if strings.HasPrefix(inv.TaskQueue, "/_sys/") {
		v.add("invocationMethod.taskQueue", "must not start with /_sys/ (Temporal's own queues)")
	}
	checkTemporalName("invocationMethod.activity", inv.Activity, v)
}

func checkTemporalName(field, name string, v *violations) {
	switch {
	case name == "":
		v.add(field, "is required")
	case len(name) > maxTemporalName:
		v.add(field, "must be at most %d characters", maxTemporalName)
	case strings.IndexFunc(name, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		v.add(field, "must not contain spaces or control characters")
	}
}

// refuseSecretInputs refuses secret inputs on a TEMPORAL action. The
// activity's input is stored in the run's history as the team's worker
// reads it, in plain JSON (the team holds no Slipway key), so a secret
// opened for the call would sit there for good, and a sealed one is of no
// use to a worker that cannot open it.
func refuseSecretInputs(ui UserInputs, v *violations) {
	names := make([]string, 0, len(ui.Properties))
	for name, in := range ui.Properties {
		if in.Secret() {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		v.add("trigger.userInputs.properties."+name+".encryption",
			"TEMPORAL actions take no secret inputs: the activity's input is stored in the run's history in plain JSON; read the secret in the team's worker instead")
	}
}
