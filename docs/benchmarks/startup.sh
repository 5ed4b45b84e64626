#!/usr/bin/env bash
# Times `dotnet run --project Pipelet.AppHost` as the README runs it, to its "All resources are up" line, and the
# stop (SIGTERM to the run's process group, as a terminal's Ctrl+C or a service manager does, until every process of
# the run is gone; SIGTERM because a script's background commands may have SIGINT ignored). The first run starts on an
# empty data folder (cold: initdb, a new RabbitMQ node); the others reuse it (warm), one right after the other,
# one of them with OTEL_SDK_DISABLED=true. Ports are moved off the defaults (PORT_BASE) so that a running system
# or benchmark is not disturbed. Prints one row per run; exits 1 if a run failed to come up (its log is kept).
#   docs/benchmarks/startup.sh [runs, default 6]
set -euo pipefail
# Job control: each run in its own process group, as in a terminal.
set -m
cd "$(dirname "$0")/../.."
runs=${1:-6}
base=${PORT_BASE:-28000}
data=$(mktemp -d /tmp/pipelet-startup-XXXXXX)
# As root PostgreSQL runs as the postgres user, who must be able to enter every folder above its data.
chmod 755 "$data"
failed=0

dotnet build Pipelet.AppHost -v q -nologo >/dev/null

# Every process whose environment holds the run's mark.
marked() { grep -lsz "^PIPELET_STARTUP_RUN=$1\$" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3 || true; }

echo "| run | data | OTEL_SDK_DISABLED | to \"All resources are up\" (wall) | AppHost's own figure | stop |"
echo "|---|---|---|---|---|---|"
for i in $(seq 1 "$runs"); do
  mark="$$-$i"
  log="$data/run-$i.log"
  otel=""; [ "$i" -eq 4 ] && otel="true"
  state=warm; [ "$i" -eq 1 ] && state=cold
  start=$(date +%s.%N)
  env PIPELET_STARTUP_RUN="$mark" ${otel:+OTEL_SDK_DISABLED=true} dotnet run --project Pipelet.AppHost -- \
    "AppHost:DataDirectory=$data/pipelet" "AppHost:ApiPort=$((base + 80))" "AppHost:OcppPort=$((base + 90))" \
    "AppHost:ConsolePort=$((base + 81))" "ASPNETCORE_URLS=http://localhost:$((base + 88))" \
    "ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL=http://localhost:$((base + 89))" >"$log" 2>&1 &
  pid=$!
  up=""
  while kill -0 "$pid" 2>/dev/null; do
    if grep -q "All resources are up" "$log"; then up=$(date +%s.%N); break; fi
    sleep 0.1
  done
  if [ -z "$up" ]; then
    echo "| $i | $state | ${otel:-} | FAILED (log: $log) | | |"
    failed=1
    marked "$mark" | xargs -r kill -9
    continue
  fi
  own=$(grep -o "All resources are up in [0-9.]* s" "$log" | grep -o "[0-9.]* s")
  stop_start=$(date +%s.%N)
  kill -TERM -- "-$pid"
  wait "$pid" || true
  for _ in $(seq 1 600); do [ -z "$(marked "$mark")" ] && break; sleep 0.1; done
  left=$(marked "$mark" | wc -l)
  stopped=$(date +%s.%N)
  printf '| %s | %s | %s | %.1f s | %s | %.1f s%s |\n' "$i" "$state" "${otel:-}" "$(echo "$up - $start" | bc)" "$own" \
    "$(echo "$stopped - $stop_start" | bc)" "$([ "$left" -gt 0 ] && echo ", $left processes left" || true)"
  [ "$left" -gt 0 ] && marked "$mark" | xargs -r kill -9
done

[ "$failed" -eq 0 ] && rm -rf "$data"
exit "$failed"
