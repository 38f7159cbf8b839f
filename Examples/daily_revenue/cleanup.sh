#!/bin/sh
# cleanup.sh WORKDIR: removes the intermediate extracts, keeping revenue.txt (and alert.txt).
set -eu
work=$1
sleep 0.1
rm -f "$work/orders.csv" "$work/refunds.csv" "$work/raw.csv"
echo "cleaned up $work"
