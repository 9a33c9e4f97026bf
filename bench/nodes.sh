#!/usr/bin/env bash
# Several nodes: the same load through 1, 2 and 3 `pipeline run` processes sharing the fleet (an MQTT 5 shared
# subscription on a real Mosquitto, one private PostgreSQL cluster), and through one node on SQLite for comparison.
# Each run publishes the same readings at full speed (`pipeline simulate --rate 0`) and waits until every window's
# verdict is stored (at full speed a node's batch brings hundreds of a sensor's readings with every other one missing,
# so the sensors may hold up to 4,096: ReorderCapacity); it reports the wall time and the CPU seconds each process
# spent (from /proc/<pid>/stat: the nodes, Mosquitto, the PostgreSQL server), per reading. Prints a table and writes
# bench/results/nodes-<time>.json. See bench/README.md, "Several nodes".
#
#   bench/nodes.sh [--messages M] [--devices D] [--nodes "1 2 3"] [--results DIR] [--pipeline PATH]
set -euo pipefail

messages=30000
device_count=20
node_counts="1 2 3"
results=""
pipeline=""
while [ $# -gt 0 ]; do
  case "$1" in
    --messages) messages="$2"; shift 2 ;;
    --devices) device_count="$2"; shift 2 ;;
    --nodes) node_counts="$2"; shift 2 ;;
    --results) results="$2"; shift 2 ;;
    --pipeline) pipeline="$2"; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
. bench/lib.sh
need "mosquitto sqlite3 util-linux" mosquitto sqlite3 runuser
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$pg_bin/initdb" ] || { echo "PostgreSQL is missing: apt-get install -y postgresql" >&2; exit 1; }

build_pipeline

per_device=$(( messages / device_count ))
messages=$(( per_device * device_count ))
windows=$(( device_count * (per_device - 59) ))
work=$(mktemp -d /tmp/pipeline-nodes-XXXXXX)
pids=()
as_postgres() { if [ "$(id -un)" = root ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  local status=$?
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  as_postgres "$pg_bin/pg_ctl" -D "$work/pg/data" -m immediate -w stop >/dev/null 2>&1 || true
  if [ "$status" -eq 0 ]; then rm -rf "$work"; else echo "Failed; logs kept in $work" >&2; fi
}
trap cleanup EXIT

cpu_with_children_s() { [ -r "/proc/$1/stat" ] && awk '{printf "%.2f", ($14 + $15 + $16 + $17) / 100}' "/proc/$1/stat" || echo 0; }
postgres_cpu_s() { # every process of the private cluster (server, checkpointer, backends ...)
  local total=0 p
  for p in $(pgrep -u postgres -f "postgres" || true); do
    grep -q "$work/pg" "/proc/$p/cmdline" 2>/dev/null || [ "$(readlink "/proc/$p/cwd" 2>/dev/null)" = "$work/pg/data" ] || continue
    total=$(awk -v a="$total" -v b="$(cpu_with_children_s "$p")" 'BEGIN {printf "%.2f", a + b}') # ended backends count in the server's
  done
  echo "$total"
}

echo "Certificates (CA, broker, 3 nodes, $device_count devices) in $work/certs ..."
"$pipeline" certs init --dir "$work/certs" --server-ip 127.0.0.1 --key ecdsa-p256 >/dev/null
"$pipeline" certs issue --dir "$work/certs" --role node node2 node3 >/dev/null
for ((i = 1; i <= device_count; i++)); do printf "esp32-%02d\n" "$i"; done | xargs "$pipeline" certs issue --dir "$work/certs" >/dev/null

port=$(free_port)
"$pipeline" broker config --certs "$work/certs" --out "$work/mosquitto" --port "$port" --bind 127.0.0.1 \
  --data "$work/mosquitto/data" --user "$(id -un)" --log "$work/mosquitto/mosquitto.log" --max-queued 1000000 --snapshot-persistence >/dev/null
mkdir -p "$work/mosquitto/data"
mosquitto -c "$work/mosquitto/mosquitto.conf" 2>"$work/mosquitto/stderr" & pids+=($!)
mosquitto_pid=$!
for _ in $(seq 50); do listening "$port" && break; sleep 0.1; done

echo "PostgreSQL (private cluster, durability off as in the specs) in $work/pg ..."
pg_port=$(free_port)
mkdir -p "$work/pg"
[ "$(id -un)" = root ] && chown -R postgres:postgres "$work/pg" && chmod 755 "$work"
as_postgres "$pg_bin/initdb" -D "$work/pg/data" -A trust -U pipeline -E UTF8 --no-sync >/dev/null
as_postgres "$pg_bin/pg_ctl" -D "$work/pg/data" -l "$work/pg/postgres.log" -w -t 60 \
  -o "-p $pg_port -k $work/pg -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null
psql_pg() { as_postgres "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U pipeline -d "$1" -At -c "$2" 2>/dev/null || echo 0; }

now_ms() { date +%s%3N; }
# run NAME STORE NODES: start the nodes, publish, wait for every verdict; prints "wall_s node_cpu_s mosquitto_cpu_s pg_cpu_s busy_s"
run() {
  local name=$1 kind=$2 count=$3 store i cluster_port seed node_pids=() group=()
  if [ "$kind" = postgres ]; then
    psql_pg postgres "CREATE DATABASE $name" >/dev/null
    store="postgres://pipeline@127.0.0.1:$pg_port/$name"
  else
    store="$work/$name.db"
  fi
  [ "$count" -gt 1 ] || [ "$kind" = postgres ] && group=(Pipeline__Mqtt__SharedGroup="$name")
  cluster_port=$(free_port); seed="akka.tcp://pipeline@127.0.0.1:$cluster_port"
  for ((i = 1; i <= count; i++)); do
    local identity=node; [ "$i" -gt 1 ] && identity="node$i"
    local p=$cluster_port; [ "$i" -gt 1 ] && p=$(free_port)
    env "${group[@]}" Pipeline__Mqtt__Identity="$identity" Pipeline__Cluster__Port="$p" Pipeline__Cluster__SeedNodes__0="$seed" \
      Pipeline__SensorDefaults__ReorderWait=00:00:15 Pipeline__SensorDefaults__ReorderCapacity=4096 Pipeline__Mqtt__SessionExpiry=00:00:01 \
      "$pipeline" run --broker "127.0.0.1:$port" --certs "$work/certs" --store "$store" >"$work/$name-$i.log" 2>&1 &
    pids+=($!); node_pids+=($!)
  done
  for ((i = 1; i <= count; i++)); do
    for _ in $(seq 600); do grep -q "Connected to" "$work/$name-$i.log" && break; sleep 0.1; done
  done
  if [ "$count" -gt 1 ]; then # every node in the cluster before the readings come (docs/sensors.md)
    for ((i = 2; i <= count; i++)); do
      for _ in $(seq 600); do grep -q "Start -> Younger" "$work/$name-$i.log" && break; sleep 0.1; done
    done
  fi
  verdicts() { if [ "$kind" = postgres ]; then psql_pg "$name" "SELECT count(*) FROM verdicts"; else sqlite3 "$store" "SELECT count(*) FROM verdicts" 2>/dev/null || echo 0; fi; }
  local cpu0=0 mq0 pg0 t0 t1
  for p in "${node_pids[@]}"; do cpu0=$(awk -v a="$cpu0" -v b="$(cpu_s "$p")" 'BEGIN {printf "%.2f", a + b}'); done
  mq0=$(cpu_s "$mosquitto_pid"); pg0=$(postgres_cpu_s); t0=$(now_ms)
  "$pipeline" simulate --broker "127.0.0.1:$port" --certs "$work/certs" --devices "$device_count" --rate 0 --count "$per_device" --steady >"$work/$name-simulate.log"
  local seen=-1 still=0 now_count # until every verdict is stored, or none came for 60 s
  while now_count=$(verdicts); [ "$now_count" -lt "$windows" ] && [ "$still" -lt 600 ]; do
    if [ "$now_count" = "$seen" ]; then still=$(( still + 1 )); else still=0; seen=$now_count; fi
    sleep 0.1
  done
  t1=$(now_ms)
  local cpu1=0
  for p in "${node_pids[@]}"; do cpu1=$(awk -v a="$cpu1" -v b="$(cpu_s "$p")" 'BEGIN {printf "%.2f", a + b}'); done
  local mq1 pg1; mq1=$(cpu_s "$mosquitto_pid"); pg1=$(postgres_cpu_s)
  [ "$(verdicts)" -ge "$windows" ] || { echo "$name: only $(verdicts) of $windows verdicts" >&2; exit 1; }
  # From the first verdict stored to the last: the work itself, without a new sensor's first-readings wait on a node of
  # a shared group (ReorderWait; the readings queue in the broker meanwhile, so this is draining that backlog).
  local span_sql="SELECT (max(stored_at) - min(stored_at)) / 1000.0 FROM verdicts" span
  if [ "$kind" = postgres ]; then span=$(psql_pg "$name" "$span_sql"); else span=$(sqlite3 "$store" "$span_sql"); fi
  for p in "${node_pids[@]}"; do kill -TERM "$p"; done
  for p in "${node_pids[@]}"; do wait "$p" 2>/dev/null || true; done
  awk -v t=$(( t1 - t0 )) -v c0="$cpu0" -v c1="$cpu1" -v m0="$mq0" -v m1="$mq1" -v g0="$pg0" -v g1="$pg1" -v s="$span" \
    'BEGIN {printf "%.2f %.2f %.2f %.2f %.2f", t / 1000, c1 - c0, m1 - m0, g1 - g0, s}'
}

declare -A rows
order=()
echo "Run: sqlite, 1 node ..."
rows[sqlite1]="$(run sqlite1 sqlite 1)"; order+=(sqlite1)
for n in $node_counts; do
  echo "Run: postgres, $n node(s) ..."
  rows[postgres$n]="$(run "postgres$n" postgres "$n")"; order+=("postgres$n")
done

printf '\n%s readings (%s devices x %s) at full speed, %s windows; %s cores\n' "$messages" "$device_count" "$per_device" "$windows" "$(nproc)"
printf '%-11s %5s %8s %8s %12s %15s %16s %14s %14s\n' run nodes "wall s" "busy s" "readings/s" "node CPU µs/rdg" "per node µs/rdg" "broker µs/rdg" "PG µs/rdg"
json_rows=""
for key in "${order[@]}"; do
  read -r wall node_cpu mq_cpu pg_cpu busy <<<"${rows[$key]}"
  n=${key//[a-z]/}
  per_s=$(awk -v m="$messages" -v w="$busy" 'BEGIN {printf "%.0f", (w > 0) ? (m / w) : 0}')
  node_us=$(awk -v c="$node_cpu" -v m="$messages" 'BEGIN {printf "%.0f", c * 1e6 / m}')
  per_node_us=$(awk -v c="$node_cpu" -v m="$messages" -v n="$n" 'BEGIN {printf "%.0f", c * 1e6 / m / n}')
  mq_us=$(awk -v c="$mq_cpu" -v m="$messages" 'BEGIN {printf "%.0f", c * 1e6 / m}')
  pg_us=$(awk -v c="$pg_cpu" -v m="$messages" 'BEGIN {printf "%.0f", c * 1e6 / m}')
  [ "${key#postgres}" != "$key" ] || pg_us="-"
  printf '%-11s %5s %8s %8s %12s %15s %16s %14s %14s\n' "$key" "$n" "$wall" "$busy" "$per_s" "$node_us" "$per_node_us" "$mq_us" "$pg_us"
  json_rows+="${json_rows:+,}
    {\"run\": \"$key\", \"nodes\": $n, \"wall_s\": $wall, \"busy_s\": $busy, \"readings_per_s_busy\": $per_s, \"node_cpu_us_per_reading\": $node_us, \"node_cpu_us_per_reading_per_node\": $per_node_us, \"broker_cpu_us_per_reading\": $mq_us, \"postgres_cpu_us_per_reading\": \"$pg_us\"}"
done

out_dir=${results:-$root/bench/results}
mkdir -p "$out_dir"
out="$out_dir/nodes-$(date -u +%Y%m%dT%H%M%SZ).json"
cat >"$out" <<JSON
{
  "benchmark": "nodes",
  "commit": "$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)",
  "machine": {"cpu": "$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)", "cores": $(nproc)},
  "messages": $messages, "devices": $device_count, "windows": $windows,
  "runs": [$json_rows
  ]
}
JSON
echo "Written: $out"
