#!/usr/bin/env bash
# Rebuilds models/default: eight hours of four simulated pumps (set-point changes, starts and stops, no faults), then
# training with a fixed seed on one thread — the same weights every time. Not the shipped weights since training stopped
# taking windows across two pumps' rows (2026-12-03): models/README.md says what a rebuild measures. The threshold
# margin of 8 is measured there too: normal transients reach 6.4 x the held-out q0.99, faults 10 x and more.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
pipeline() { dotnet run --project src/Pipeline.Host -c Release -- "$@"; }
pipeline simulate --devices 4 --duration 8h --seed 1 --csv "$work/normal.csv"
pipeline train --data "$work/normal.csv" --out models/default --signals flow,temperature,pressure,current --window 60 --seed 7 \
  --threshold-margin 8
