#!/usr/bin/env bash
# Chaos at full size (#15): the node SIGKILLed 20 times at random moments while two devices send 100,000 readings, and
# Mosquitto SIGKILLed three times mid-stream in both persistence modes. The suite runs the same specs smaller
# (NodeCrashSpecs: 6 kills in 6,000 readings). Prints each spec's figures; fails if a reading is lost or stored twice
# or the alarm journal disagrees with the verdicts.
#   bench/chaos.sh [KILLS] [READINGS]      (default 20 and 100000; about 10 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
export CHAOS_KILLS="${1:-20}" CHAOS_READINGS="${2:-100000}"
dotnet build tests/Pipeline.Tests -c Release -v q -nologo >/dev/null
dotnet test tests/Pipeline.Tests -c Release --no-build --filter "FullyQualifiedName~NodeCrashSpecs|FullyQualifiedName~BrokerCrashSpecs|FullyQualifiedName~DiskFullSpecs" \
  --logger "console;verbosity=detailed" 2>&1 | tee /tmp/chaos-raw.log | grep -a -E "^\s*(esp32|[0-9]+ kills|3 broker kills|Passed|Failed|Error Message)"
