#!/bin/sh
# check.sh ROWS MIN_ROWS: fails when the load brought fewer than MIN_ROWS rows.
set -eu
rows=$1 min=$2
sleep 0.2
if [ "$rows" -lt "$min" ]; then
    echo "check: only $rows rows loaded, expected at least $min" >&2
    exit 1
fi
echo "check: $rows rows loaded (at least $min expected)"
