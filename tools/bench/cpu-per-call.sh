#!/usr/bin/env bash
# CPU-seconds per answered OCPP call, per process, for the whole system as the README starts it (Release AppHost:
# gateway, dispatcher, subscriptions, console, RabbitMQ, PostgreSQL, the Aspire dashboard and DCP), under the
# side-by-side load generator. Unlike calls/s, CPU per answered call barely moves when other work shares the machine.
# usage: tools/bench/cpu-per-call.sh [SECONDS=15] [STATIONS="200"]   (extra environment passes to the AppHost)
# Free ports only (nothing fixed), an empty data directory, everything it starts is stopped at the end.
set -u; ulimit -n "$(ulimit -Hn)"
proj=$(cd "$(dirname "$0")/../.." && pwd); secs=${1:-15}; counts=${2:-200}
bench=${PIPELET_PEER_BENCH_DIR:-${TMPDIR:-/tmp}/pipelet-peer-bench}; mkdir -p "$bench"
cp "$proj"/../shared/bench/*.mjs "$proj"/../shared/bench/package.json "$bench/" 2>/dev/null || true
[ -d "$bench/node_modules/ws" ] || (cd "$bench" && npm install --no-audit --no-fund >/dev/null 2>&1)
free() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
ocpp=$(free); api=$(free); console=$(free); dash=$(free); otlp=$(free)
work=$(mktemp -d "${TMPDIR:-/tmp}/cpu-per-call.XXXX"); chmod 755 "$work"  # PostgreSQL runs as its own user
(cd "$proj" && dotnet build -c Release Pipelet.AppHost >"$work/build.log" 2>&1) || { echo "build failed: $work/build.log" >&2; exit 1; }
(cd "$proj" && PIPELET_BENCH_RUN="$work" AppHost__DataDirectory="$work/data" AppHost__OcppPort=$ocpp AppHost__ApiPort=$api AppHost__ConsolePort=$console \
  ASPNETCORE_URLS=http://localhost:$dash ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL=http://localhost:$otlp \
  ASPIRE_ALLOW_UNSECURED_TRANSPORT=true DOTNET_ENVIRONMENT=Development ASPNETCORE_ENVIRONMENT=Development \
  exec setsid dotnet run -c Release --no-build --no-launch-profile --project Pipelet.AppHost >"$work/pipelet.log" 2>&1) & pipe=$!
trap 'kill -TERM -- -$pipe 2>/dev/null; for _ in $(seq 1 30); do kill -0 $pipe 2>/dev/null || break; sleep 1; done; kill -KILL -- -$pipe 2>/dev/null' EXIT
for _ in $(seq 1 600); do grep -q "All resources are up" "$work/pipelet.log" && break; sleep 1; done
grep -q "All resources are up" "$work/pipelet.log" || { echo "Pipelet did not come up: $work/pipelet.log" >&2; exit 1; }
sleep 5
# every process of this run: the AppHost and everything it starts inherit PIPELET_BENCH_RUN
procs() { for p in /proc/[0-9]*; do
    grep -qa "PIPELET_BENCH_RUN=$work" $p/environ 2>/dev/null || continue
    c=$(tr '\0' ' ' < $p/cmdline 2>/dev/null) || continue
    case "$c" in
      *Pipelet.Gateway*) n=gateway;; *Pipelet.Dispatcher*) n=dispatcher;; *Pipelet.Subscriptions*) n=subscriptions;;
      *Pipelet.Console*) n=console;; *Aspire.Dashboard*) n=dashboard;; *beam.smp*|*epmd*|*erl_child*) n=rabbitmq;; *postgres*) n=postgres;;
      *tools/dcp*) n=dcp;; *Pipelet.AppHost*) n=apphost;; *) n=other;;
    esac
    # utime + stime are fields 14 and 15 (after a comm without spaces)
    read -r -a st < $p/stat 2>/dev/null || continue
    echo "$n ${st[13]} ${st[14]}"
  done | awk '{t[$1]+=$2+$3} END {for (k in t) print k, t[k]}' | sort; }
# idle: the same processes for 10 s with no station connected (what the system costs doing nothing)
procs > "$work/idle0"; sleep 10; procs > "$work/idle1"
echo "idle, CPU-s in 10 s: $(join "$work/idle0" "$work/idle1" | awk -v hz=$(getconf CLK_TCK) '{printf "%s %.2f  ", $1, ($3-$2)/hz}')"
gw=$(ss -ltnpH "sport = :$ocpp" | grep -o "pid=[0-9]*" | head -1 | cut -d= -f2)
hz=$(getconf CLK_TCK)
echo "gateway sampling: $(tr '\0' '\n' < /proc/$gw/environ | grep -E '^(OTEL_TRACES_SAMPLER|OTEL_SDK_DISABLED|Telemetry__)' | tr '\n' ' ')"
for n in $counts; do
  procs > "$work/before"; t0=$(date +%s.%N)
  out=$(node "$bench/load.mjs" ws://127.0.0.1:$ocpp/ocpp "$n" "$secs" "$gw" 2>&1 | tail -1)
  t1=$(date +%s.%N); procs > "$work/after"
  echo "$n stations: $out"
  calls=$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["calls_per_s"])')
  python3 - "$work/before" "$work/after" "$calls" "$secs" "$hz" "$t0" "$t1" <<'PY'
import sys
b=dict(l.split() for l in open(sys.argv[1])); a=dict(l.split() for l in open(sys.argv[2]))
rate=float(sys.argv[3]); secs=float(sys.argv[4]); hz=float(sys.argv[5]); wall=float(sys.argv[7])-float(sys.argv[6])
answered=rate*secs; total=0
print(f"  wall {wall:.1f} s (connect, boot and {secs:.0f} s of load); CPU over the whole window, per answered call of the load phase:")
for k in sorted(a, key=lambda k: -(int(a[k])-int(b.get(k,0)))):
    cpu=(int(a[k])-int(b.get(k,0)))/hz; total+=cpu
    print(f"  {k:14s} {cpu:7.2f} CPU-s  {cpu/wall*100:5.0f}% of a core  {cpu/answered*1e6:7.1f} us/call")
print(f"  {'all':14s} {total:7.2f} CPU-s  {total/wall*100:5.0f}% of a core  {total/answered*1e6:7.1f} us/call")
PY
done
echo "logs: $work"
