#!/usr/bin/env bash
# HTTP benchmark of `baton serve` (release build): a host holding 10,000 finished runs, measured
# with wrk (Debian package `wrk`) for get-run and list-runs, then the server-sent event stream
# while one 10,000-task run executes. Prints requests/s, latency percentiles and events/s.
#   swift build -c release --product baton && Tools/http-bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
baton="${BATON:-.build/release/baton}"
runs="${RUNS:-10000}"
tasks="${TASKS:-10000}"
command -v wrk >/dev/null || { echo "http-bench: wrk not found (apt-get install wrk)" >&2; exit 2; }
command -v curl >/dev/null || { echo "http-bench: curl not found" >&2; exit 2; }
work="$(mktemp -d)"
trap 'kill $host 2>/dev/null || true; wait $host 2>/dev/null || true; rm -rf "$work"' EXIT INT TERM
mkdir -p "$work/workflows"
printf 'name: tiny\nschedule: { cron: "0 * * * *" }\nconnections:\n  simc: { platform: sim }\ndefaults: { connection: simc }\ntasks:\n  a: {}\n  b: { after: [a] }\n' > "$work/workflows/tiny.yaml"
{
  printf 'name: wide\nconnections:\n  simc: { platform: sim }\ndefaults: { connection: simc }\ntasks:\n  root: {}\n'
  for i in $(seq 1 $((tasks - 1))); do printf '  t%d: { after: [root] }\n' "$i"; done
} > "$work/workflows/wide.yaml"
port=18765
"$baton" serve --workflows "$work/workflows" --data "$work/data" --listen "127.0.0.1:$port" 2> "$work/host.log" &
host=$!
until curl -sf "localhost:$port/v1/workflows/wide" >/dev/null; do sleep 0.2; done

echo "filling: $runs finished runs (backfill of hourly intervals, run by the host)..."
start=$(date +%s)
hours=$((runs - 1))
"$baton" backfill tiny --from 2024-01-01T00:00:00Z --to "$(date -u -d "2024-01-01 + $hours hours" +%Y-%m-%dT%H:%M:%SZ)" --data "$work/data" > /dev/null 2>&1
until curl -s "localhost:$port/v1/runs?status=running&limit=1" | grep -q '"runs":\[\]'; do sleep 1; done
echo "filled in $(( $(date +%s) - start )) s"

one=$(curl -s "localhost:$port/v1/runs?limit=1" | sed -E 's/.*"run_id":"([^"]+)".*/\1/')
for target in "/v1/runs/$one" "/v1/runs?limit=50" "/v1/runs?workflow=tiny&status=succeeded&limit=50"; do
  echo "== wrk -t2 -c32 -d10s GET $target"
  wrk -t2 -c32 -d10s --latency "http://127.0.0.1:$port$target" | grep -E "Requests/sec|^ +(50|90|99)%|Non-2xx|Socket errors" || true
done

echo "== event stream while a $tasks-task run executes"
head=$(curl -s "localhost:$port/v1/health" | sed -E 's/.*"seq":([0-9]+).*/\1/')
curl -sN "localhost:$port/v1/events?after=$head" > "$work/stream" &
reader=$!
begin=$(date +%s.%N)
curl -s -XPOST "localhost:$port/v1/workflows/wide/runs" -d '{"run_id": "wide-1"}' > /dev/null
until grep -q '"run_id":"wide-1","seq":[0-9]*,"task":"","time[^}]*"type":"RunFinished"\|event: RunFinished' "$work/stream"; do sleep 0.2; done
end=$(date +%s.%N)
kill $reader 2>/dev/null || true
events=$(grep -c '^id: ' "$work/stream")
python3 -c "import sys; e, s = int(sys.argv[1]), float(sys.argv[3]) - float(sys.argv[2]); print(f'delivered {e} events in {s:.2f} s: {e / s:,.0f} events/s')" "$events" "$begin" "$end"
