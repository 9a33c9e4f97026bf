#!/usr/bin/env bash
# A node at a steady offered load for minutes — past every sensor's learning period and calibration, as a pump station
# runs it — through a real Mosquitto with our generated mTLS config. Every 10 s it prints the node's CPU (% of one
# core), readings stored, CPU and bytes allocated per stored reading, bytes the node wrote to disk per stored reading
# (/proc/PID/io: the store's pages, its log and checkpoints), Mosquitto's CPU, the node's RSS and managed heap (after
# the last GC), and the readings received but not yet acknowledged; at the end, what kind of memory the RSS
# is (anonymous, files, shared). bench/e2e.sh measures a fresh node for 30 s; this is the long run after it. See
# bench/README.md ("A node at a steady 1,000 readings/s").
#
#   bench/steady.sh [--seconds 120] [--devices 100] [--rate 10] [--snapshot-persistence] [--pipeline PATH] [--keep]
#   --snapshot-persistence: Mosquitto saves every 60 s (`pipeline broker config --snapshot-persistence`) instead of
#     after every change, the generated default.
#   NODE_ENV="NAME=value ..." sets the node's environment (settings, runtime knobs), as for bench/e2e.sh.
set -euo pipefail

seconds=120
devices=100
rate=10
broker_flags=""
pipeline=""
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --devices) devices="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;
    --snapshot-persistence) broker_flags="--snapshot-persistence"; shift ;;
    --pipeline) pipeline="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. bench/lib.sh
need "mosquitto sqlite3 curl" mosquitto sqlite3 curl

build_pipeline

use_work_dir steady

"$pipeline" certs init --dir "$work/certs" --server-ip 127.0.0.1 --key ecdsa-p256 >/dev/null
for ((i = 1; i <= devices; i++)); do printf "esp32-%02d\n" "$i"; done | xargs -r -n 2000 "$pipeline" certs issue --dir "$work/certs" >/dev/null

port=$(free_port)
"$pipeline" broker config --certs "$work/certs" --out "$work/mosquitto" --port "$port" --bind 127.0.0.1 \
  --data "$work/mosquitto/data" --user "$(id -un)" --log "$work/mosquitto/mosquitto.log" --max-queued 1000000 $broker_flags >/dev/null
mkdir -p "$work/mosquitto/data"
mosquitto -c "$work/mosquitto/mosquitto.conf" 2>"$work/mosquitto/stderr" & broker=$!; pids+=("$broker")
for _ in $(seq 50); do listening "$port" && break; sleep 0.1; done

http_port=$(free_port)
while [ "$http_port" = "$port" ]; do http_port=$(free_port); done
env ${NODE_ENV:-} Pipeline__Http__Urls="http://127.0.0.1:$http_port" \
  "$pipeline" run --broker "127.0.0.1:$port" --certs "$work/certs" --store "$work/node.db" >"$work/node.log" 2>&1 & node=$!; pids+=("$node")
for _ in $(seq 300); do grep -q "Connected to" "$work/node.log" && break; sleep 0.1; done
grep -q "Connected to" "$work/node.log" || { echo "the node did not connect; its log:" >&2; cat "$work/node.log" >&2; exit 1; }

"$pipeline" simulate --broker "127.0.0.1:$port" --certs "$work/certs" --devices "$devices" --rate "$rate" \
  --count $(( seconds * rate )) --steady >"$work/simulate.log" 2>&1 & publisher=$!; pids+=("$publisher")

stored() { sqlite3 "$work/node.db" "SELECT count(*) FROM readings" 2>/dev/null || echo 0; }
meter() { # metric name prefix -> the sum of its series
  curl -s "http://127.0.0.1:$http_port/metrics" | awk -v m="$1" 'index($0, m) == 1 {sum += $NF} END {printf "%.0f", sum}'
}

echo "$devices devices x $rate readings/s for $seconds s; Mosquitto ${broker_flags:-saving after every change}; node: ${NODE_ENV:-defaults}"
printf '%6s %9s %9s %13s %15s %14s %10s %8s %10s %10s\n' "t (s)" "node CPU" "stored" "CPU/reading" "alloc/reading" "disk/reading" "broker CPU" "RSS" "heap" "in flight"
node_cpu=$(cpu_s "$node"); broker_cpu=$(cpu_s "$broker"); count=$(stored); allocated=$(meter dotnet_gc_heap_total_allocated_bytes_total); disk=$(written "$node"); t=0
while kill -0 "$publisher" 2>/dev/null || [ "$count" -lt $(( seconds * rate * devices )) ]; do
  sleep 10; t=$(( t + 10 ))
  node_now=$(cpu_s "$node"); broker_now=$(cpu_s "$broker"); count_now=$(stored); allocated_now=$(meter dotnet_gc_heap_total_allocated_bytes_total); disk_now=$(written "$node")
  printf '%6d %8.0f%% %9d %10s us %12s B %11s B %9.0f%% %5s MB %7.0f MB %10s\n' "$t" \
    "$(awk -v a="$node_cpu" -v b="$node_now" 'BEGIN {print (b - a) * 10}')" $(( count_now - count )) \
    "$(awk -v a="$node_cpu" -v b="$node_now" -v n=$(( count_now - count )) 'BEGIN {if (n > 0) printf "%.0f", (b - a) * 1e6 / n; else print "-"}')" \
    "$(awk -v a="$allocated" -v b="$allocated_now" -v n=$(( count_now - count )) 'BEGIN {if (n > 0) printf "%.0f", (b - a) / n; else print "-"}')" \
    "$(awk -v a="$disk" -v b="$disk_now" -v n=$(( count_now - count )) 'BEGIN {if (n > 0) printf "%.0f", (b - a) / n; else print "-"}')" \
    "$(awk -v a="$broker_cpu" -v b="$broker_now" 'BEGIN {print (b - a) * 10}')" \
    "$(awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$node/status")" \
    "$(awk -v b="$(meter dotnet_gc_last_collection_heap_size_bytes)" 'BEGIN {print b / 1048576}')" "$(meter pipeline_readings_in_flight)"
  node_cpu=$node_now; broker_cpu=$broker_now; count=$count_now; allocated=$allocated_now; disk=$disk_now
  if [ "$t" -ge $(( seconds * 3 )) ]; then
    echo "the node stored $(stored) of $(( seconds * rate * devices )) readings in 3 x the run's length; stopping" >&2
    break
  fi
done
# What kind of memory the RSS is: file pages (the libraries' and assemblies' code, clean; the kernel can drop them under
# pressure and read them again) are not the node's to give back; anonymous and shared (the runtime's type data and
# compiled code, double-mapped through a memfd) are.
awk '/^RssAnon|^RssFile|^RssShmem/ {kb[$1] = $2} /^VmRSS/ {rss = $2}
  END {printf "node memory at the end: RSS %.0f MB = anonymous %.0f + files %.0f + shared %.0f MB\n", rss / 1024, kb["RssAnon:"] / 1024, kb["RssFile:"] / 1024, kb["RssShmem:"] / 1024}' "/proc/$node/status"
echo "stored $(stored) of $(( seconds * rate * devices )) readings"
