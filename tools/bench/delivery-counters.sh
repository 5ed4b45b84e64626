#!/usr/bin/env bash
# DeliveryBenchmark (tests/Pipelet.Dispatcher.Tests) RUNS times, each with dotnet-counters recording the dispatcher's
# own meter and the runtime's, then one line per run: the benchmark's figures next to what the dispatcher did that the
# benchmark cannot see (first tries handed off, first tries and retries stepped aside, gen2 GCs and GC pause time).
# Retries 1.5 s late come with retries stepped aside (their webhook's queued slots stayed taken for Delivery__SlotWait),
# usually after a burst of hand-offs; a late retry with neither was held up in the broker, which the retry lead left
# tells: a retry batch leaves its rung Delivery__RetryLead (500 ms) early, and near 0 the broker's delays used it up.
# usage: tools/bench/delivery-counters.sh [RUNS=3] [VAR=value ...]   (the dispatcher inherits the environment, e.g.
#   Delivery__InlineWait=00:00:00.010 to force hand-offs); output and counters in $OUT (default a new temp folder).
# Needs dotnet-counters: dotnet tool install -g dotnet-counters
set -u
proj=$(cd "$(dirname "$0")/../.." && pwd); runs=${1:-3}; [ $# -gt 0 ] && shift
counters=$(command -v dotnet-counters || echo "$HOME/.dotnet/tools/dotnet-counters")
[ -x "$counters" ] || { echo "dotnet-counters not found: dotnet tool install -g dotnet-counters" >&2; exit 1; }
out=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/delivery-counters.XXXX")}; mkdir -p "$out"
(cd "$proj" && dotnet build -c Release tests/Pipelet.Dispatcher.Tests >"$out/build.log" 2>&1) || { echo "build failed: $out/build.log" >&2; exit 1; }
dll="$proj/services/Pipelet.Dispatcher/bin/Release/net10.0/Pipelet.Dispatcher.dll"
dispatcher() { for p in $(pgrep -f "$dll"); do [ "$(cat /proc/$p/comm 2>/dev/null)" = dotnet ] && echo "$p"; done | head -1; }
sum() { grep -E "$2" "$1" 2>/dev/null | awk -F, '{s+=$NF} END {printf "%.'"${3:-0}"'f", s}'; }
most() { grep -E "$2" "$1" 2>/dev/null | awk -F, '$NF>m {m=$NF} END {printf "%.2f", m}'; }
least() { grep -E "$2" "$1" 2>/dev/null | awk -F, 'NR==1 || $NF<m {m=$NF} END {if (NR) printf "%.0f", m*1000; else printf "-"}'; }
echo "run | start (load) | bare loop /s | sustained /s | ratio | retry lateness | retry lead left, ms (lowest median of a second) | handed off | stepped aside: first tries / retries | gen2 GCs | GC pause s (most in one s): dispatcher / test process | us per delivery"
for i in $(seq 1 "$runs"); do
  log="$out/run-$i.log"; csv="$out/run-$i.csv"
  start="$(date -u +%H:%M:%S) ($(cut -d' ' -f1 /proc/loadavg))"
  (cd "$proj" && env "$@" PIPELET_BENCH=1 timeout 900 dotnet test tests/Pipelet.Dispatcher.Tests -c Release --no-build \
     --filter "FullyQualifiedName~DeliveryBenchmark" --logger "console;verbosity=detailed" >"$log" 2>&1) & test=$!
  pid=""; for _ in $(seq 1 240); do pid=$(dispatcher); [ -n "$pid" ] && break; kill -0 $test 2>/dev/null || break; sleep 0.5; done
  if [ -n "$pid" ]; then
    "$counters" collect -p "$pid" --format csv --refresh-interval 1 --counters Pipelet.Dispatcher,System.Runtime -o "$csv" >/dev/null 2>&1 & rec=$!
  fi
  # The test process (publisher and receiver): a pause of its GC stalls every request in flight.
  host=$(for p in $(pgrep -f testhost.dll); do tr '\0' ' ' </proc/$p/cmdline 2>/dev/null | grep -q Pipelet.Dispatcher.Tests && echo "$p"; done | head -1)
  if [ -n "$host" ]; then
    "$counters" collect -p "$host" --format csv --refresh-interval 1 --counters System.Runtime -o "$out/run-$i-test.csv" >/dev/null 2>&1 & hostrec=$!
  fi
  wait $test; [ -n "$pid" ] && { kill $rec 2>/dev/null; wait $rec 2>/dev/null; }
  [ -n "$host" ] && { kill $hostrec 2>/dev/null; wait $hostrec 2>/dev/null; }
  bare=$(grep -o 'POSTs in [0-9.]* s = [0-9]*/s' "$log" | grep -o '[0-9]*/s$' | tr -d /s)
  sustained=$(grep -o 'sustained.*: [0-9]* deliveries/s' "$log" | grep -o '[0-9]* deliveries' | cut -d' ' -f1)
  ratio=$(awk -v a="${sustained:-0}" -v b="${bare:-0}" 'BEGIN { if (b > 0) printf "%.2f", a / b }')
  lateness=$(grep -o 'retries: p50 .*' "$log" | sed 's/retries: //')
  micros=$(grep -o 'CPU per delivery: .*' "$log" | sed 's/CPU per delivery: //; s/this test process (publisher and receiver)/test/; s/; all.*//')
  grep -q "Passed Pipelet" "$log" || micros="FAILED: $log"
  echo "$i | $start | ${bare:-?} | ${sustained:-?} | ${ratio:-?} | ${lateness:-?} | $(least "$csv" 'lead_left.*Percentile=50') | $(sum "$csv" handed_off) | $(sum "$csv" 'stepped_aside.*try=first') / $(sum "$csv" 'stepped_aside.*try=retry') | $(sum "$csv" 'gc\.collections.*gen2\]') | $(sum "$csv" gc.pause.time 2) ($(most "$csv" gc.pause.time)) / $(sum "$out/run-$i-test.csv" gc.pause.time 2) ($(most "$out/run-$i-test.csv" gc.pause.time)) | $micros"
done
echo "logs and counters: $out"
