#!/bin/sh
# Cross-check driver.py against Django's own command line: for each settings
# module given, compare the security.* IDs of
#   /usr/bin/python3 -m django check --deploy --pythonpath DIR --settings MODULE
# with what driver.py reports. DIR is what
#   go test ./checks -run TestDjangoDifferential -djdiff.dir DIR
# leaves behind. Prints one line per module and exits 1 on any difference.
#
#   checks/testdata/djangodiff/crosscheck.sh DIR MODULE...
set -eu
[ $# -ge 2 ] || { echo "usage: $0 DIR MODULE..." >&2; exit 2; }
dir=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
env -i PATH=/usr/bin:/bin LANG=C.UTF-8 "$py" -I -B "$here/driver.py" "$dir" 2 "$@" >"$tmp"
status=0
for m in "$@"; do
	cli=$(env -i PATH=/usr/bin:/bin LANG=C.UTF-8 "$py" -I -B -m django check --deploy \
		--pythonpath "$dir" --settings "$m" 2>&1 | grep -o 'security\.[WE][0-9]*' | sort -u | tr '\n' ' ' || true)
	drv=$("$py" -I -c 'import json, sys
r = json.load(open(sys.argv[1]))["results"][sys.argv[2]]
print(" ".join(r.get("ids", [])) + " " if r.get("ids") else "ERROR" if "error" in r else "")' "$tmp" "$m")
	if [ "$cli" = "$drv" ]; then
		echo "same $m: $cli"
	else
		echo "DIFF $m: cli [$cli] driver [$drv]"
		status=1
	fi
done
exit $status
