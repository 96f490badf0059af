#!/usr/bin/env bash
# The README's two commands:
#   bash tools/dev.sh up    -> install what is missing, build, run the whole stack locally (Ctrl-C stops it)
#   bash tools/dev.sh test  -> install what is missing, build, run every test (unit + integration + browser), then the quick fuzz and chaos runs
#   bash tools/dev.sh e2e V -> the end-to-end exactly-once integration tests and the quick chaos run on Kafka V (CI: 3.9.1)
# Needs Node.js 20, Java 17 and Maven. redis-server, kcat and chromium (tests only) come from Debian packages: installed
# here when running as root with apt-get, otherwise a clear message says what to install; grpcurl
# comes from the Go module proxy (`go install`) when Go is installed.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
command -v kcat >/dev/null 2>&1 || need_apt+=(kcat)
# The admin UI's browser tests drive Debian's chromium (never a downloaded browser).
if [ "${1:-}" = test ] && [ -z "${CHROMIUM_PATH:-}" ] && ! command -v chromium >/dev/null 2>&1; then
  need_apt+=(chromium)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "[dev] installing ${need_apt[*]} (apt-get)"
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need_apt[@]}" >/dev/null
  else
    echo "[dev] missing: ${need_apt[*]}. Install them (Debian/Ubuntu: sudo apt-get install ${need_apt[*]})." >&2
    exit 1
  fi
fi
# grpcurl (the gRPC tests call it): from the Go module proxy when Go is here.
if command -v go >/dev/null 2>&1; then
  export PATH="$PATH:$(go env GOPATH)/bin"
  if ! command -v grpcurl >/dev/null 2>&1; then
    echo "[dev] installing grpcurl (go install)"
    go install github.com/fullstorydev/grpcurl/cmd/grpcurl@v1.9.4
  fi
fi
for tool in node java mvn; do
  command -v "$tool" >/dev/null 2>&1 || { echo "[dev] missing: $tool (need Node.js 20, Java 17, Maven)" >&2; exit 1; }
done

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[dev] npm ci"
  npm ci --no-audit --no-fund
fi
# Kafka jars from Maven Central (once per version; cached under tools/kafka/.cache/<version>).
# KAFKA_VERSION picks the broker (default: the pom's kafka.version, the newest 4.x; 3.9.1 works).
[ "${1:-}" = e2e ] && export KAFKA_VERSION="${2:?usage: bash tools/dev.sh e2e <kafka version>}"
kafka_version="${KAFKA_VERSION:-$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' tools/kafka/pom.xml)}"
if [ ! -f "tools/kafka/.cache/$kafka_version/libs/kafka_2.13-$kafka_version.jar" ]; then
  echo "[dev] fetching Kafka $kafka_version jars (Maven Central)"
  profile=log4j2; case "$kafka_version" in [0-3].*) profile=reload4j ;; esac
  mvn -q -B -f tools/kafka/pom.xml "-Dkafka.version=$kafka_version" -P "$profile" dependency:copy-dependencies
fi
export NX_DAEMON=false NX_NO_CLOUD=true

# One closing line over every jest run in a log ("Tests: 1 failed, 40 passed, 41 total", colours stripped).
tests_line() {
  { sed 's/\x1b\[[0-9;]*m//g' "$1" | grep -E 'Tests: ' || true; } | awk '
    { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
    END { printf "tests: %d passed, %d failed\n", p, f }'
}

case "${1:-}" in
  up)
    shift
    npm run build
    exec npx tsx tools/stack/cli.ts "$@"
    ;;
  test)
    shift
    log=$(mktemp)
    status=0
    npm test -- "$@" 2>&1 | tee "$log" || status=$?
    # The seeded quick fuzz run (about 50 s: 30 s of cases, startup, a controller restart; docs/fuzz.md). FUZZ=0 skips it.
    fuzz="skipped (FUZZ=0)"
    if [ "${FUZZ:-1}" != 0 ]; then
      if npm run fuzz -- --seed "${FUZZ_SEED:-1}"; then fuzz="passed"; else status=1; fuzz="FAILED"; fi
      fuzz="$fuzz (npm run fuzz -- --seed ${FUZZ_SEED:-1})"
    fi
    # The short seeded chaos run (every fault kind once, about 3 minutes; docs/chaos.md). CHAOS=0 skips it.
    chaos="skipped (CHAOS=0)"
    if [ "${CHAOS:-1}" != 0 ]; then
      # shellcheck disable=SC2086 # CHAOS_ARGS: extra flags (own ports), split on purpose
      if npm run chaos -- --quick --seed "${CHAOS_SEED:-1}" ${CHAOS_ARGS:-}; then chaos="passed"; else status=1; chaos="FAILED"; fi
      chaos="$chaos (npm run chaos -- --quick --seed ${CHAOS_SEED:-1})"
    fi
    tests_line "$log"
    echo "fuzz: $fuzz"
    echo "chaos: $chaos"
    rm -f "$log"
    exit "$status"
    ;;
  e2e)
    # Another Kafka version (docs/production.md): the end-to-end exactly-once integration tests,
    # then the quick chaos run. Its own broker port, as a data folder holds one version's data.
    export KAFKA_BROKERS="${E2E_KAFKA_BROKERS:-127.0.0.1:9192}"
    npm run build
    status=0
    log=$(mktemp)
    KAFKA_PORT="${KAFKA_BROKERS##*:}" npm run kafka:start
    # The loop's exactly-once cases, the fleet's (worker SIGKILL, controller restart) and the SASL_SSL + ACL one.
    (
      rc=0
      npx jest -c libs/eos-core/jest.int.config.js --runInBand libs/eos-core/src/eos-task.int.spec.ts || rc=1
      npx jest -c apps/controller/jest.int.config.js --runInBand apps/controller/src/control-plane.int.spec.ts \
        -t 'exactly once' || rc=1
      npx jest -c apps/controller/jest.int.config.js --runInBand apps/controller/src/secure-kafka.int.spec.ts || rc=1
      exit "$rc"
    ) 2>&1 | tee "$log"
    [ "${PIPESTATUS[0]}" = 0 ] || status=1
    KAFKA_PORT="${KAFKA_BROKERS##*:}" npm run kafka:stop
    chaos=passed
    # shellcheck disable=SC2086 # CHAOS_ARGS: extra flags (own ports), split on purpose
    npm run chaos -- --quick --seed "${CHAOS_SEED:-1}" ${CHAOS_ARGS:-} || { status=1; chaos=FAILED; }
    tests_line "$log"
    rm -f "$log"
    echo "e2e on Kafka $KAFKA_VERSION: $([ $status = 0 ] && echo passed || echo FAILED); chaos: $chaos"
    exit "$status"
    ;;
  *)
    echo "usage: bash tools/dev.sh <up|test|e2e VERSION>" >&2
    exit 2
    ;;
esac
