#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine with the .NET 10 SDK: installs what the tests need that the
# machine lacks (a real Mosquitto and its clients, sqlite3, openssl, Prometheus, PostgreSQL, qemu-user with arm64
# libraries, Node.js, Node-RED with FlowFuse Dashboard 2.0, a headless Chromium), then runs every test.
set -euo pipefail
cd "$(dirname "$0")"

missing=()
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || missing+=(mosquitto)
command -v mosquitto_pub >/dev/null 2>&1 || missing+=(mosquitto-clients)
command -v sqlite3 >/dev/null 2>&1 || missing+=(sqlite3)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
# The node's /metrics is scraped by a real Prometheus and checked with promtool (both in Debian's prometheus).
command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
# The systemd unit in deploy/ is checked with systemd-analyze verify.
command -v systemd-analyze >/dev/null 2>&1 || missing+=(systemd)
# The shipped Node-RED flow is checked in a real Node-RED, which needs Node.js, and its dashboard in a real browser.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# The PostgreSQL store is checked against a private cluster in a temp folder (Debian's postgresql: initdb, pg_ctl).
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
# The Raspberry Pi bundle is checked under emulation: qemu-user and the arm64 C libraries the .NET runtime loads.
command -v qemu-aarch64-static >/dev/null 2>&1 || missing+=(qemu-user-static)
if ! dpkg -s libssl3:arm64 >/dev/null 2>&1; then
  [ "$(id -u)" -eq 0 ] && dpkg --add-architecture arm64 || sudo dpkg --add-architecture arm64
  missing+=(libc6:arm64 libstdc++6:arm64 libssl3:arm64 zlib1g:arm64)
fi
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing ${missing[*]} ..."
  # A fresh machine's package lists may be empty.
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
export PATH="$PATH:/usr/sbin"

# Node-RED 4 and FlowFuse Dashboard 2.0 for the flow's specs, in the work tree (git-ignored), not system-wide.
if [ ! -f .tools/node-red/node_modules/node-red/red.js ] || [ ! -d .tools/node-red/node_modules/@flowfuse/node-red-dashboard ]; then
  echo "Installing Node-RED 4 and @flowfuse/node-red-dashboard into .tools/node-red ..."
  npm install --prefix .tools/node-red --no-audit --no-fund --loglevel=error node-red@4 @flowfuse/node-red-dashboard@1.31 >/dev/null
fi

log="$(mktemp)"
set +e
dotnet test Pipeline.sln -c Release 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# One plain closing line, whatever the runner printed above.
summary=$(grep -E "^(Passed|Failed)!" "$log" | tail -n 1)
passed=$(sed -nE 's/.*Passed: +([0-9]+).*/\1/p' <<<"$summary")
failed=$(sed -nE 's/.*Failed: +([0-9]+),.*/\1/p' <<<"$summary")
rm -f "$log"
echo "${passed:-0} passed, ${failed:-0} failed"
exit "$status"
