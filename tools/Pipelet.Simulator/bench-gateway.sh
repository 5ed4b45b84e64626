#!/usr/bin/env bash
# Gateway benchmark of issue 5: connections held and memory per connection, answers per second with
# confirmed events, answer latency at a moderate rate and at saturation. Loopback only, bounded in
# time, and it stops everything it starts. Results: $OUT (JSON per run, progress, pidstat, top) and
# a markdown summary on standard output.
#
#   tools/Pipelet.Simulator/bench-gateway.sh               # starts the whole system (AppHost, Release)
#   START_SYSTEM=0 tools/Pipelet.Simulator/bench-gateway.sh # uses a gateway already on :9000
#
# Knobs (environment): STATIONS (10000), RAMP (500/s), MODERATE_RATE (1000 calls/s),
# MODERATE_STATIONS (1000), SATURATION_CONCURRENCY (4000), RUN_SECONDS (60), OUT, RUNS
# ("connections moderate saturation"), BUILD_SYSTEM (1; 0 builds only the gateway and runs the system's
# last Release build, for when another service's work in progress does not compile), PERF_SECONDS (0; N
# records the gateway with `perf record -g` for N s of each run's steady window into $OUT/<run>.perf.data:
# start the script with DOTNET_PerfMapEnabled=1 so JIT-compiled frames have names).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

START_SYSTEM="${START_SYSTEM:-1}"
BUILD_SYSTEM="${BUILD_SYSTEM:-1}"
STATIONS="${STATIONS:-10000}"
RAMP="${RAMP:-500}" # a connect storm: 10,000 stations in 20 s (docs/benchmarks/gateway.md)
MODERATE_RATE="${MODERATE_RATE:-1000}"
MODERATE_STATIONS="${MODERATE_STATIONS:-1000}"
SATURATION_CONCURRENCY="${SATURATION_CONCURRENCY:-4000}"
RUN_SECONDS="${RUN_SECONDS:-60}"
RUNS="${RUNS:-connections moderate saturation}"
PERF_SECONDS="${PERF_SECONDS:-0}"
URL="ws://localhost:9000/ocpp"
OUT="${OUT:-/tmp/pipelet-bench/run-$(date -u +%Y%m%dT%H%M%SZ)}"
DATA="${DATA:-$OUT/data}"
SIM="$ROOT/tools/Pipelet.Simulator/bin/Release/net10.0/pipelet-simulator"
mkdir -p "$OUT"

# 10,000 sockets on each side: as many descriptors as we are allowed.
ulimit -n "$(ulimit -Hn)"

log() { echo "[bench $(date -u +%H:%M:%S)] $*" >&2; }

APPHOST_PID=""
BACKGROUND=()
cleanup() {
  for pid in "${BACKGROUND[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [[ -n "$APPHOST_PID" ]]; then
    log "stopping the system (AppHost pid $APPHOST_PID)"
    kill -INT "$APPHOST_PID" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$APPHOST_PID" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$APPHOST_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT INT TERM

log "building the simulator (Release)"
timeout 300 dotnet build -c Release tools/Pipelet.Simulator >"$OUT/build.log" 2>&1

if [[ "$START_SYSTEM" == "1" ]]; then
  if ss -ltnH 'sport = :9000' | grep -q .; then
    echo "Port 9000 is taken: stop what runs there, or use START_SYSTEM=0 to benchmark it." >&2
    exit 1
  fi
  if [[ "$BUILD_SYSTEM" == "1" ]]; then
    log "building the system (Release)"
    timeout 600 dotnet build -c Release Pipelet.AppHost >>"$OUT/build.log" 2>&1
  else
    log "building the gateway only (Release); the rest of the system runs its last Release build"
    timeout 600 dotnet build -c Release services/Pipelet.Gateway >>"$OUT/build.log" 2>&1
  fi
  export Gateway__EventStatisticsInterval="${Gateway__EventStatisticsInterval:-00:00:05}"
  log "starting the system: dotnet run --project Pipelet.AppHost -c Release (data in $DATA)"
  # The AppHost's own guard stops every child when it stops; timeout bounds it even if we are killed.
  AppHost__DataDirectory="$DATA" timeout 3600 dotnet run --project Pipelet.AppHost -c Release --no-build \
    >"$OUT/apphost.log" 2>&1 &
  APPHOST_PID=$!
fi

log "waiting for the gateway on :9000"
for _ in $(seq 1 180); do
  curl -sf http://localhost:9000/health >/dev/null 2>&1 && break
  sleep 1
done
curl -sf http://localhost:9000/health >/dev/null || { echo "The gateway did not become healthy; see $OUT/apphost.log" >&2; exit 1; }
sleep 5 # let the fresh gateway settle before its idle memory is read

GATEWAY_PID="$(ss -ltnpH 'sport = :9000' | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)"
# Anchored patterns: the AppHost's guard shells carry the same command line after "/bin/bash -c".
BROKER_PID="$(pgrep -f "^[^ ]*beam.smp .*${DATA}" | head -1 || true)"
POSTGRES_PID="$(pgrep -f "^[^ ]*/postgres -D ${DATA}" | head -1 || true)"
DISPATCHER_PID="$(pgrep -f '^[^ ]*dotnet [^ ]*Release/net10.0/Pipelet.Dispatcher.dll' | head -1 || true)"
OBSERVE="$(echo "$GATEWAY_PID $BROKER_PID $DISPATCHER_PID" | xargs | tr ' ' ',')"
log "gateway pid $GATEWAY_PID, broker ${BROKER_PID:-?}, dispatcher ${DISPATCHER_PID:-?}, postgres ${POSTGRES_PID:-?}"

# Events per bus message: the gateway logs how many events it published in how many messages every
# Gateway__EventStatisticsInterval (5 s here); each run sums the lines logged while it ran.
published_lines() { wc -l <"$OUT/apphost.log" 2>/dev/null || echo 0; }

{
  echo "date: $(date -u +%FT%TZ)"
  echo "cpu: $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
  echo "memory: $(free -g | awk '/Mem:/{print $2}') GiB"
  echo "kernel: $(uname -r)"
  echo "dotnet: $(dotnet --version)"
  echo "build: Release (whole system built by this run: $BUILD_SYSTEM)"
  echo "commit: $(git rev-parse --short HEAD) ($(git status --porcelain -- services Pipelet.AppHost Pipelet.ServiceDefaults | wc -l) files changed in the working tree)"
  echo "runtime settings passed on: $(env | grep -E '^DOTNET_' | tr '\n' ' ')"
  echo "system started by this script: $START_SYSTEM"
} >"$OUT/machine.txt"

# One run: the simulator (bounded), pidstat for the system's processes, top snapshots for the rest of the machine.
run() {
  local name=$1 seconds=$2; shift 2
  log "run '$name': pipelet-simulator $*"
  uptime >"$OUT/$name.load"
  local first_line; first_line=$(($(published_lines) + 1))
  if command -v pidstat >/dev/null; then
    timeout $((seconds + 30)) pidstat -u -r -h -p "$OBSERVE" 5 >"$OUT/$name.pidstat" 2>&1 &
    BACKGROUND+=($!)
  fi
  if [[ "$PERF_SECONDS" != "0" ]] && command -v perf >/dev/null; then
    # From the middle of the steady window (the fleet is connected after STATIONS/RAMP seconds).
    (sleep $(((seconds + STATIONS / RAMP - PERF_SECONDS) / 2 + 5)); \
     perf record -F 499 -g -p "$GATEWAY_PID" -o "$OUT/$name.perf.data" -- sleep "$PERF_SECONDS" >"$OUT/$name.perf.log" 2>&1) &
    BACKGROUND+=($!)
  fi
  (for _ in $(seq 1 $(((seconds + 20) / 10))); do
     sleep 10; { date -u +%T; top -b -n 1 -o %CPU | sed -n '7,17p'; } >>"$OUT/$name.top"
   done) &
  BACKGROUND+=($!)
  timeout $((seconds + 120)) "$SIM" --url "$URL" --report json --observe-pid "$OBSERVE" --duration "${seconds}s" "$@" \
    >"$OUT/$name.json" 2>"$OUT/$name.log" || log "run '$name' ended with $?"
  uptime >>"$OUT/$name.load"
  sleep 10 # let the gateway see every close before the next run
  # Events and messages published during the run (and its stations' Disconnects): "<events> <messages>".
  tail -n +"$first_line" "$OUT/apphost.log" | grep -oE 'Published [0-9]+ events in [0-9]+ messages' \
    | awk '{ e += $2; m += $5 } END { print e + 0, m + 0 }' >"$OUT/$name.published" || echo "0 0" >"$OUT/$name.published"
}

for name in $RUNS; do
  case "$name" in
    connections)
      # Memory per connection: the whole fleet connected, booted, heartbeating; no sessions.
      run connections $((RUN_SECONDS + STATIONS / RAMP)) --stations "$STATIONS" --ramp "$RAMP" --sessions-per-hour 0 ;;
    moderate)
      # Latency at a fixed moderate rate of session CALLs (Authorize/Start/MeterValues/Stop/Status).
      run moderate $((RUN_SECONDS + MODERATE_STATIONS / RAMP)) --stations "$MODERATE_STATIONS" --ramp "$RAMP" \
        --calls-per-second "$MODERATE_RATE" --concurrency "$MODERATE_STATIONS" --meter-interval 10s --session-length 2m ;;
    saturation)
      # As many answers as the system gives, with the whole fleet connected.
      run saturation $((RUN_SECONDS + STATIONS / RAMP)) --stations "$STATIONS" --ramp "$RAMP" \
        --calls-per-second max --concurrency "$SATURATION_CONCURRENCY" --meter-interval 10s --session-length 2m ;;
  esac
done

# Summary table (markdown) from the JSON reports, events per message from the gateway's log.
{
  echo "| run | stations held (peak/end) | answered/s (steady mean, min-max) | steady p50 ms | p90 ms | p99 ms | max ms | CALLERRORs | timeouts | gateway RSS idle->end MB | gateway B/conn | gateway CPU % | broker CPU % | dispatcher CPU % | simulator CPU % | events/message | load avg (start; end) |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  for name in $RUNS; do
    [[ -s "$OUT/$name.json" ]] || continue
    published="$(cat "$OUT/$name.published" 2>/dev/null || echo "0 0")"
    load="$(sed -E 's/.*load average: //' "$OUT/$name.load" | paste -sd';')"
    jq -r --arg name "$name" --argjson gw "$GATEWAY_PID" --argjson br "${BROKER_PID:-0}" --argjson dp "${DISPATCHER_PID:-0}" \
      --arg published "$published" --arg load "$load" '
      def proc(p): (.processes | map(select(.pid == p)) | first) // {};
      def sim: (.processes | map(select(.name | startswith("pipelet-simulat"))) | first) // {};
      def mb(x): if x == null then "-" else ((x / 1024 * 10 | round) / 10 | tostring) end;
      ($published | split(" ") | map(tonumber? // 0)) as $p
      | "| \($name) | \(.connections.peak_held)/\(.connections.held_at_end) | \(.throughput.answered_per_second_mean) (\(.throughput.answered_per_second_min)-\(.throughput.answered_per_second_max)) | \(.steady_latency.p50_ms) | \(.steady_latency.p90_ms) | \(.steady_latency.p99_ms) | \(.steady_latency.max_ms) | \(.calls.call_errors) | \(.calls.timed_out) | \(mb(proc($gw).rss_idle_kb))->\(mb(proc($gw).rss_end_kb)) | \(proc($gw).rss_per_connection_bytes // "-") | \(proc($gw).cpu_percent_steady // "-") | \(proc($br).cpu_percent_steady // "-") | \(proc($dp).cpu_percent_steady // "-") | \(sim.cpu_percent_steady // "-") | \(if ($p | length) == 2 and $p[1] > 0 then ($p[0] / $p[1] * 100 | round / 100 | tostring) + " (\($p[0]) in \($p[1]))" else "-" end) | \($load) |"
    ' "$OUT/$name.json"
  done
} | tee "$OUT/summary.md"
log "results in $OUT"
