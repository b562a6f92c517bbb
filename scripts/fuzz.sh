#!/usr/bin/env bash
# Runs Go fuzz targets one after the other for a while each and prints what
# each did: executions, new interesting inputs, and the failure if one was found.
#   scripts/fuzz.sh BUDGET PACKAGE:Target...   (BUDGET: a count such as 30000x, or a duration)
# A failing input is saved under PACKAGE/testdata/fuzz/Target/ by go test:
# commit it with the fix, and it stays a regression test.
set -uo pipefail

duration="$1"; shift
GO="${GO:-go}"
failed=0
summary=()
for spec in "$@"; do
  pkg="${spec%%:*}" target="${spec##*:}"
  log="$(mktemp)"
  # A short minimisation keeps a new input from stalling the run for a minute.
  if "$GO" test -run '^$' -fuzz "^${target}\$" -fuzztime "$duration" -fuzzminimizetime 5s "$pkg" >"$log" 2>&1; then
    result=ok
  else
    result=FAILED failed=1
    cat "$log" >&2
  fi
  last="$(grep -E '^fuzz: elapsed' "$log" | tail -1)"
  execs="$(sed -nE 's/.*execs: ([0-9]+).*/\1/p' <<<"$last")"
  interesting="$(sed -nE 's/.*new interesting: ([0-9]+) \(total: ([0-9]+)\).*/\1 (corpus \2)/p' <<<"$last")"
  summary+=("$(printf '%-8s %-16s %-24s execs %-10s new interesting %s' "$result" "$pkg" "$target" "${execs:-0}" "${interesting:-0}")")
  rm -f "$log"
done
printf '%s\n' "${summary[@]}"
exit "$failed"
