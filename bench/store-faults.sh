#!/usr/bin/env bash
# The SQLite store's own faults under a running node, tried from outside (docs/storage.md, docs/reliability.md): a real
# Mosquitto, the node, simulated devices at 10 readings/s, then the fault; prints what the node said, /health/ready,
# how long SIGTERM took and what was stored. Runs as root (the read-only case mounts a loop device).
#   bench/store-faults.sh lock|readonly|damage [--devices N] [--pipeline PATH] [--keep]
#   lock:     another connection holds the write lock (sqlite3 inside BEGIN IMMEDIATE) for 30 s, the node stopped meanwhile
#   readonly: the store on a loop-mounted ext4 that is given an error (/sys/fs/ext4/loopN/trigger_fs_error): the kernel
#             remounts it read-only, as it does a failing SD card (errors=remount-ro)
#   damage:   pages 3-40 of the store's file overwritten with random bytes (may miss the pages the writes touch: run again)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
fault="${1:-}"; shift || true
devices=2 keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --devices) devices="$2"; shift 2 ;;
    --pipeline) pipeline="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
done
case "$fault" in lock|readonly|damage) ;; *) sed -n '2,10p' "$0"; exit 2 ;; esac
. bench/lib.sh
need "mosquitto sqlite3 curl" mosquitto sqlite3 curl
build_pipeline
use_work_dir "store-$fault"
store_dir="$work/store"; mkdir -p "$store_dir"
if [ "$fault" = readonly ]; then
  truncate -s 128M "$work/disk.img"; mkfs.ext4 -q "$work/disk.img"
  loop=$(losetup -f --show "$work/disk.img"); blockdev --setrw "$loop"
  mount -o errors=remount-ro "$loop" "$store_dir"
  # Unmounted before the folder is removed: the processes first, then the loop device, then stop_and_clean as usual.
  trap 'st=$?; kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; umount "$store_dir" 2>/dev/null; losetup -d "$loop" 2>/dev/null; (exit $st); stop_and_clean' EXIT
fi
db="$store_dir/node.db"

"$pipeline" certs init --dir "$work/certs" --server-ip 127.0.0.1 --key ecdsa-p256 >/dev/null
for ((i = 1; i <= devices; i++)); do printf "esp32-%02d\n" "$i"; done | xargs -n 2000 "$pipeline" certs issue --dir "$work/certs" >/dev/null
port=$(free_port)
"$pipeline" broker config --certs "$work/certs" --out "$work/mosquitto" --port "$port" --bind 127.0.0.1 \
  --data "$work/mosquitto/data" --user "$(id -un)" --log "$work/mosquitto/mosquitto.log" >/dev/null
mkdir -p "$work/mosquitto/data"
mosquitto -c "$work/mosquitto/mosquitto.conf" 2>"$work/mosquitto/stderr" & pids+=($!)
for _ in $(seq 50); do listening "$port" && break; sleep 0.1; done
http_port=$(free_port)
"$pipeline" run --broker "127.0.0.1:$port" --certs "$work/certs" --store "$db" --http "127.0.0.1:$http_port" >"$work/node.log" 2>&1 & node=$!; pids+=("$node")
for _ in $(seq 300); do grep -q "Connected to" "$work/node.log" && break; sleep 0.1; done
"$pipeline" simulate --broker "127.0.0.1:$port" --certs "$work/certs" --devices "$devices" --rate 10 --count 900 --steady \
  >"$work/simulate.log" 2>&1 & pids+=($!)
stored() { sqlite3 "$db" "SELECT count(*) FROM readings" 2>/dev/null || echo "?"; }
sleep 20
echo "$devices devices at 10 readings/s; $(stored) readings stored after 20 s; now: $fault"
case "$fault" in
  lock) (echo ".timeout 20000"; echo "BEGIN IMMEDIATE;"; echo "INSERT INTO rejects DEFAULT VALUES;"; sleep 30; echo "ROLLBACK;") | sqlite3 "$db" >/dev/null 2>&1 & pids+=($!) ;;
  readonly) echo 1 > "/sys/fs/ext4/${loop##*/}/trigger_fs_error"; findmnt -n -o OPTIONS -T "$db" ;;
  damage) sqlite3 "$db" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null; dd if=/dev/urandom of="$db" bs=4096 seek=2 count=38 conv=notrunc status=none ;;
esac
sleep 20
echo "/health/ready: $(curl -s "http://127.0.0.1:$http_port/health/ready" | tr -d '\n ' | grep -o '"failing":\[[^]]*\]')"
echo "stream failures: $(grep -c 'stream failed' "$work/node.log" || true); broker connections lost: $(grep -c 'Lost the connection' "$work/node.log" || true)"
started=$(date +%s%N); kill -TERM "$node"; wait "$node" || true
echo "SIGTERM -> exit: $(( ($(date +%s%N) - started) / 1000000 )) ms"
echo "what the node said (warnings and errors, once each):"
grep -E "^\[[0-9:]+ (WRN|ERR)\]" "$work/node.log" | grep -v "Health check" | cut -c1-300 | sort -k3 | uniq -f2 | sed 's/^/  /'
