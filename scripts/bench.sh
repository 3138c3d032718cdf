#!/usr/bin/env bash
# The benchmarks: bench/run.sh builds them in Release, runs each beside its baseline and prints
# one table. Arguments pass through (e.g. --out FILE); see bench/run.sh.
set -euo pipefail
exec bash "$(dirname "$0")/../bench/run.sh" "$@"
