#!/usr/bin/env bash
# The fuzz run through the real path (#15): malformed telemetry from a device and malformed commands from a SCADA
# identity, through a real Mosquitto into the node (pipeline run), interleaved with valid readings. It is the suite's
# NodeFuzzSpecs with the full counts; it fails unless every valid reading is stored and judged, every bad message is in
# rejects with its reason, and the node logged no error and never restarted its stream.
#   bench/fuzz.sh [PAYLOADS] [COMMANDS]      (default 100000 and 10000; about 10 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
export FUZZ_PAYLOADS="${1:-100000}" FUZZ_COMMANDS="${2:-10000}"
dotnet build tests/Pipeline.Tests -c Release -v q -nologo >/dev/null
dotnet test tests/Pipeline.Tests -c Release --no-build --filter "FullyQualifiedName~NodeFuzzSpecs" \
  --logger "console;verbosity=detailed" 2>&1 | tee /tmp/fuzz-raw.log | grep -a -E "^\s*(sent|malformed|rejects:|Passed|Failed|Error Message|  )" | grep -v "^\s*$"
