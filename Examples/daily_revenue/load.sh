#!/bin/sh
# load.sh WORKDIR: loads the extracts into WORKDIR/raw.csv and reports {"rows": N}.
set -eu
work=$1
sleep 0.3
{
    sed '1d; s/^/order,/' "$work/orders.csv"
    sed '1d; s/^/refund,/' "$work/refunds.csv"
} > "$work/raw.csv.tmp"
mv "$work/raw.csv.tmp" "$work/raw.csv"
rows=$(wc -l < "$work/raw.csv" | tr -d ' ')
echo "loaded $rows rows into $work/raw.csv"
printf '{"rows": %s}\n' "$rows" > "$BATON_OUTPUT"
