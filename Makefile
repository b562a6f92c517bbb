# Slipway. `make run` starts everything; `make test` proves it.
SHELL := /bin/bash
.DEFAULT_GOAL := help

GO        ?= go
TOOL      := $(GO) tool -modfile=tools.mod
BIN       := bin/slipway
GENERATED := gen frontend/views
export GOTOOLCHAIN := local

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-16s %s\n", $$1, $$2}'

.PHONY: setup
setup: ## install system packages (PostgreSQL server; Chromium for tests)
	@scripts/setup.sh

.PHONY: setup-test
setup-test:
	@scripts/setup.sh --test

.PHONY: build
build: ## build bin/slipway with the embedded Temporal server
	$(GO) build -o $(BIN) ./cmd/slipway

.PHONY: build-lean
build-lean: ## build bin/slipway-lean for production (no embedded server)
	$(GO) build -tags slipway_lean -trimpath -ldflags='-s -w' -o bin/slipway-lean ./cmd/slipway

.PHONY: run
run: setup build ## start Slipway on embedded defaults (portal :8080, Temporal :7233, UI :8233)
	./$(BIN) dev

.PHONY: generate
generate: ## regenerate code from proto (buf), SQL (sqlc) and templates (templ)
	$(TOOL) buf generate
	cd db && $(GO) tool -modfile=../tools.mod sqlc generate
	$(TOOL) templ generate -path frontend -log-level warn

.PHONY: check-generated
check-generated: ## fail when committed generated code is stale
	@sum() { find $(GENERATED) -type f -name '*.go' -print0 | sort -z | xargs -0 sha256sum; }; \
	before="$$(sum)"; \
	$(MAKE) -s generate; \
	if [[ "$$before" != "$$(sum)" ]]; then \
		echo "generated code was stale: 'make generate' changed it; commit the result" >&2; \
		git status --short -- $(GENERATED) >&2 || true; exit 1; \
	fi

.PHONY: lint
lint: ## go vet, gofmt, buf lint, workflowcheck
	$(GO) vet ./...
	$(GO) vet -tags slipway_lean ./cmd/slipway
	@out="$$(gofmt -l $$(git ls-files '*.go' | grep -v '^gen/' | grep -v '_templ.go$$'))"; \
		if [[ -n "$$out" ]]; then echo "gofmt needed: $$out" >&2; exit 1; fi
	$(TOOL) buf lint
	$(TOOL) workflowcheck ./workflows/...

# Packages cheap enough for the race detector in every `make test`: not the
# ones that start the embedded Temporal server (cmd/slipway, devserver,
# workflows' integration tests), where -race multiplies minutes.
RACE_PKGS := . ./actions ./activities ./audit ./catalog ./config ./db ./identity ./jqtemplate \
	./outbound ./pgcluster ./runevents ./secrets ./secretstore ./selfservice ./text ./weburl ./temporalclient ./backend

.PHONY: test
test: setup-test check-generated lint ## everything CI runs: generated code, lint, all tests, -race, benchmarks once
	$(GO) build -tags slipway_lean -o /dev/null ./cmd/slipway
	SLIPWAY_ARTIFACTS=$(CURDIR)/.artifacts $(GO) test -count=1 -timeout 25m ./...
	@$(MAKE) -s fuzz-short
	$(GO) test -race -count=1 $(RACE_PKGS)
	SLIPWAY_BENCH_RUNS=16 SLIPWAY_BENCH_WAITING=16 $(GO) test -count=1 -run '^$$' -bench . -benchtime 1x ./cmd/slipway

# Fuzz targets. `go test ./...` replays every target's seeds (f.Add and
# testdata/fuzz/<Target>/); the cheap ones are also fuzzed briefly in `make test`.
FUZZ_CHEAP := ./text:FuzzText ./text:FuzzStructJSON ./actions:FuzzParse ./actions:FuzzInputSchemaApply \
              ./selfservice:FuzzDefinitionWritePath ./jqtemplate:FuzzRender
FUZZ_ALL   := $(FUZZ_CHEAP) ./frontend:FuzzConnectJSON ./frontend:FuzzPortREST

# Budgets are counts of executions, not durations: Go 1.26's fuzzing
# coordinator can fail a target with "context deadline exceeded" as a
# duration runs out, having found nothing (go.dev/issue/75804, fixed in
# Go 1.27); a count never sets that deadline.
.PHONY: fuzz-short
fuzz-short: ## fuzz the cheap targets 30,000 executions each (a few seconds)
	GO=$(GO) scripts/fuzz.sh 30000x $(FUZZ_CHEAP)

.PHONY: fuzz
fuzz: setup ## fuzz every target FUZZTIME executions (default 500000x, a minute or so) each and print the figures
	GO=$(GO) scripts/fuzz.sh $(or $(FUZZTIME),500000x) $(FUZZ_ALL)

.PHONY: race
race: ## the race detector over the cheap packages and the workflows, then the races on the real stack
	$(GO) test -race -count=1 $(RACE_PKGS) ./workflows
	$(GO) test -count=1 -run 'TestRacesOnOneRun' ./cmd/slipway

.PHONY: bench
bench: setup ## benchmarks (token auth, API round trip, dev start-up and memory, runs vs bare workflows, 10,000 runs awaiting approval, 1,000 waiting on slow GitHub runs)
	SLIPWAY_BENCH_WAITING=$${SLIPWAY_BENCH_WAITING:-10000} $(GO) test -run '^$$' -bench . -benchmem -count=1 -timeout 90m ./...

.PHONY: chaos
chaos: setup-test ## kill tests at full size: 1,000 runs while processes are SIGKILLed; prints the figures
	SLIPWAY_CHAOS_RUNS=$${SLIPWAY_CHAOS_RUNS:-1000} $(GO) test -count=1 -timeout 60m -run '^TestChaosKills$$' -v ./cmd/slipway \
		| grep -E '^(=== RUN|--- |PASS|FAIL|ok )|chaos_test.go|chaos:'; exit $${PIPESTATUS[0]}

.PHONY: clean
clean: ## remove build output (keeps .data)
	rm -rf bin
