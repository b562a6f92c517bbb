// Package runevents tells web processes that a run changed, so live pages
// and WatchRun streams push news instead of polling for it.
//
// Whoever changes a run (the web process once a workflow update completes,
// the SaveRun and AppendRunLogs activities for the workflow's own changes)
// calls Notify: a PostgreSQL NOTIFY on one channel, which reaches every web
// process. Each web process holds one Listener connection that feeds a Hub,
// and the Hub wakes the viewers of that run in-process. A notification
// carries no state: a viewer woken re-reads the run from its source of
// truth (the workflow and PostgreSQL), so a lost or merged notification
// costs only latency, never correctness, and viewers keep a slow safety
// poll for notifications lost while the listener reconnects.
package runevents
