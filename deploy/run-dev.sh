#!/usr/bin/env bash
# `make run`: the service with the embedded defaults, plus a demo LRS (Learning Locker's statement
# service, in memory, on 127.0.0.1 only) and the worker feeding it, which also sends scores to the LMS
# gradebook (the demo LMS at /dev/lms). Ctrl-C stops all three.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="$root/.venv/bin"
host="${HOST:-127.0.0.1}"
port="${PORT:-5000}"
lrs_port="${LRS_PORT:-8081}"
lrs_dir="${DIGITOETS_INSTANCE_PATH:-$root/instance}/demo-lrs"
mkdir -p "$lrs_dir"

export DIGITOETS_ENV=development
export DIGITOETS_DEV_LOGIN=1
export DIGITOETS_BASE_URL="${DIGITOETS_BASE_URL:-http://$host:$port}"
export DIGITOETS_LRS_ENDPOINT="${DIGITOETS_LRS_ENDPOINT:-http://127.0.0.1:$lrs_port/xAPI/}"
export DIGITOETS_LRS_USERNAME="${DIGITOETS_LRS_USERNAME:-demo}"
export DIGITOETS_LRS_PASSWORD="${DIGITOETS_LRS_PASSWORD:-demo}"

children=()
cleanup() { for pid in "${children[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
# Ctrl-C (SIGINT) or SIGTERM ends the script, and on exit every child is stopped. The service runs in the
# background too, with `wait`: bash runs a trap only after the foreground command ends, so a SIGTERM
# to this script would otherwise leave all three running.
trap cleanup EXIT
trap "exit 130" INT
trap "exit 143" TERM

# The LRS reads a .env from its working directory and writes access logs: give it its own folder.
(cd "$lrs_dir" && LRS_HOST=127.0.0.1 EXPRESS_PORT="$lrs_port" EXPRESS_MORGAN_DIRECTORY="$lrs_dir/access-logs" \
  FS_LOCAL_STORAGE_DIR="$lrs_dir/storage" WINSTON_CONSOLE_LEVEL=warn AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE=1 \
  exec node "$root/deploy/lrs/launch.js" >"$lrs_dir/lrs.log" 2>&1) &
children+=($!)
echo "Demo LRS (in memory) on $DIGITOETS_LRS_ENDPOINT; log in $lrs_dir/lrs.log"

"$bin/digitoets" xapi forward --loop --interval 2 >"$lrs_dir/forwarder.log" 2>&1 &
children+=($!)
echo "Worker (xAPI statements and gradebook scores) running; log in $lrs_dir/forwarder.log"

echo "Digitoets on http://$host:$port (development login: http://$host:$port/dev/login)"
"$bin/digitoets" run --host "$host" --port "$port" &
children+=($!)
wait "$!"
