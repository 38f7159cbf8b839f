#!/bin/sh
# extract.sh KIND DATE REGION WORKDIR: writes WORKDIR/KIND.csv for DATE and REGION.
# Written to a temporary name and renamed, so a re-run after a crash leaves one whole file.
set -eu
kind=$1 date=$2 region=$3 work=$4
mkdir -p "$work"
sleep 0.4
case $kind in
    orders)  rows="1001,4250 1002,1999 1003,8900 1004,1250 1005,3100" ;;
    refunds) rows="1002,1999 1004,500" ;;
    *) echo "extract: unknown kind $kind" >&2; exit 2 ;;
esac
{
    echo "id,region,date,amount_cents"
    for row in $rows; do echo "${row%%,*},$region,$date,${row#*,}"; done
} > "$work/$kind.csv.tmp"
mv "$work/$kind.csv.tmp" "$work/$kind.csv"
echo "extracted $kind for $region on $date into $work/$kind.csv"
