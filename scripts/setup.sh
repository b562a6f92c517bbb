#!/usr/bin/env bash
# Installs the system packages Slipway needs on a Debian machine:
#   PostgreSQL server binaries (for `slipway dev` and the tests' private clusters)
#   Chromium (for the browser tests; only with --test)
# Idempotent: installs only what is missing. Without root or apt it says what to install.
set -euo pipefail

want_browser=false
[[ "${1:-}" == "--test" ]] && want_browser=true

have_postgres() {
  [[ -n "${SLIPWAY_PG_BIN:-}" && -x "${SLIPWAY_PG_BIN}/initdb" ]] && return 0
  command -v initdb >/dev/null 2>&1 && command -v postgres >/dev/null 2>&1 && return 0
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null
}

have_chromium() {
  command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || command -v google-chrome >/dev/null 2>&1
}

missing=()
have_postgres || missing+=(postgresql)
if $want_browser && ! have_chromium; then missing+=(chromium); fi

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "setup: installing ${missing[*]}" >&2
if command -v apt-get >/dev/null 2>&1; then
  sudo=""
  if [[ "$(id -u)" != 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "setup: need root to install: apt-get install -y --no-install-recommends ${missing[*]}" >&2
      exit 1
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi

cat >&2 <<MSG
setup: please install ${missing[*]} with your package manager:
  PostgreSQL server binaries (initdb, postgres), version 13 or newer; or set DATABASE_URL
  to an existing server (and TEST_DATABASE_URL for the tests).
  Chromium, for the browser tests.
MSG
exit 1
