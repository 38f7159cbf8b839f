#!/bin/sh
# alert.sh --token=TOKEN RUN WORKDIR: pages the owner about a failed quality check.
# The token is a secret: it is checked and used, never printed or written anywhere.
set -eu
case ${1-} in
    --token=?*) token=${1#--token=} ;;
    *) echo "alert: usage: alert.sh --token=TOKEN RUN WORKDIR" >&2; exit 2 ;;
esac
run=$2 work=$3
sleep 0.2
# A real pager call would send "$token" in a header; the demo only proves it arrived.
mkdir -p "$work"
echo "paged the owner: quality check of run $run failed (token of ${#token} characters)" | tee "$work/alert.txt"
