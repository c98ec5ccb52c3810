#!/usr/bin/env bash
# Start a local Prefect server on 127.0.0.1 (SQLite database under PREFECT_HOME) and serve the
# deployments. The port comes from PREFECT_SERVER_API_PORT (default 4200); the UI is told to call
# the API on that same port, so the page works on any port.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PREFECT_SERVER_API_PORT:-4200}"
export PREFECT_HOME="${PREFECT_HOME:-$PWD/.prefect}"
export PREFECT_SERVER_ANALYTICS_ENABLED=false
export PREFECT_SERVER_API_HOST=127.0.0.1
export PREFECT_SERVER_API_PORT="$PORT"
export PREFECT_UI_API_URL="http://127.0.0.1:$PORT/api"
export PREFECT_API_URL="http://127.0.0.1:$PORT/api"
BIN="${BIN:-.venv/bin}"

"$BIN/prefect" server start --host 127.0.0.1 --port "$PORT" &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null' EXIT INT TERM
for _ in $(seq 1 120); do
  if "$BIN/python" -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=1)" \
      "$PREFECT_API_URL/health" 2>/dev/null; then
    break
  fi
  sleep 0.5
done
echo "Prefect UI: http://127.0.0.1:$PORT  (deployments: nightly-inbox, disburse)"
"$BIN/python" -m flows.serve
