# Shared by the bench scripts (sourced, not run): the pipeline command to measure, and free loopback ports.

# Sets $pipeline to a Release build of src/Pipeline.Host for this machine, unless the caller gave one (--pipeline).
build_pipeline() {
  if [ -z "${pipeline:-}" ]; then
    local rid
    case "$(uname -m)" in aarch64|arm64) rid=linux-arm64 ;; *) rid=linux-x64 ;; esac
    echo "Building the pipeline command (Release, $rid) ..."
    dotnet build src/Pipeline.Host -c Release -v q -nologo >/dev/null
    pipeline="$PWD/src/Pipeline.Host/bin/Release/net10.0/$rid/pipeline"
  fi
}

# The commit the measured binary was built from: the one its version carries ("1.0.0+COMMIT"), which a binary
# published elsewhere (--pipeline /tmp/...) keeps; else the commit of the checkout it sits in. A build of a tree with
# uncommitted changes carries its HEAD all the same.
pipeline_commit() { # [--short]
  local commit
  commit=$("$pipeline" --version 2>/dev/null | sed -n 's/^[^+]*+\([0-9a-f]\{40\}\).*/\1/p' | head -1)
  [ -n "$commit" ] || commit=$(git -C "$(dirname "$pipeline")" rev-parse HEAD 2>/dev/null) || { echo unknown; return; }
  if [ "${1:-}" = --short ]; then echo "${commit:0:7}"; else echo "$commit"; fi
}

# Exits saying how to install them when one of the tools is missing: need "DEBIAN PACKAGES" TOOL...
need() {
  local packages=$1 tool
  shift
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "$tool is missing: apt-get install -y $packages" >&2; exit 1; }
  done
}

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A process's CPU seconds (user + system; 0 once it is gone), and the bytes it has caused to be written to the disk
# (for the node: the store's pages, its log and checkpoints).
cpu_s() { [ -r "/proc/$1/stat" ] && awk '{printf "%.2f", ($14 + $15) / 100}' "/proc/$1/stat" || echo 0; }
written() { awk '/^write_bytes/ {print $2}' "/proc/$1/io"; }

# A port below the kernel's range for outgoing connections: one above it can be held by a client's connection, which
# `listening` does not see and a listener cannot bind ("Address already in use", a broker failed so once, 2026-12-01).
free_port() {
  local low=32768 high p
  read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
  high=$(( low > 21000 ? low - 1 : 60000 ))
  p=$(shuf -i "20000-$high" -n 1); while listening "$p"; do p=$(shuf -i "20000-$high" -n 1); done; echo "$p"
}

# A temp folder for one run in $work, and $pids for the processes it starts: on exit they are stopped and the folder is
# removed — kept when the run failed or the caller set keep=1, to look into it.
use_work_dir() { # name
  work=$(mktemp -d "/tmp/pipeline-$1-XXXXXX")
  pids=()
  trap stop_and_clean EXIT
}
stop_and_clean() {
  local status=$?
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "$status" -eq 0 ] && [ "${keep:-0}" -eq 0 ]; then rm -rf "$work"; else echo "Logs, databases and certificates kept in $work" >&2; fi
}
