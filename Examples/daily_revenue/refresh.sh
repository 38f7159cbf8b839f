#!/bin/sh
# refresh.sh WORKDIR: recomputes the revenue mart (orders minus refunds) into WORKDIR/revenue.txt.
set -eu
work=$1
sleep 0.4
cents=$(awk -F, '$1 == "order" { total += $5 } $1 == "refund" { total -= $5 } END { print total + 0 }' "$work/raw.csv")
echo "$cents" > "$work/revenue.txt.tmp"
mv "$work/revenue.txt.tmp" "$work/revenue.txt"
echo "revenue: $cents cents"
printf '{"revenue_cents": %s}\n' "$cents" > "$BATON_OUTPUT"
