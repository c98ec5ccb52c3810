#!/usr/bin/env bash
# Start a Prefect server (SQLite database under PREFECT_HOME) and serve the deployments.
#
# By default the server listens on 127.0.0.1 only. The port comes from PREFECT_SERVER_API_PORT
# (default 4200); the UI is told to call the API on that same port, so the page works on any port.
#
# A server others can reach shows personal data and can start payments, so it never runs open:
# with SUBSIDY_SERVER_HOST set to another address, PREFECT_SERVER_API_AUTH_STRING ("user:password",
# Prefect's basic authentication, neither part empty) is required, and SUBSIDY_PUBLIC_URL is the
# address browsers use (e.g. the department's sign-on proxy in front of it; docs/production.md),
# required when the server listens on every address (0.0.0.0, ::), which no browser can call.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PREFECT_SERVER_API_PORT:-4200}"
HOST="${SUBSIDY_SERVER_HOST:-127.0.0.1}"
AUTH="${PREFECT_SERVER_API_AUTH_STRING:-}"
if [[ "$HOST" != "127.0.0.1" && -z "$AUTH" ]]; then
  echo "拒绝启动：服务器监听 $HOST（他人可访问），但未设置 PREFECT_SERVER_API_AUTH_STRING（用户名:密码）" >&2
  exit 2
fi
if [[ -n "$AUTH" ]]; then
  user="${AUTH%%:*}"
  password="${AUTH#*:}"
  if [[ "$AUTH" != *:* || -z "${user//[[:space:]]/}" || -z "${password//[[:space:]]/}" ]]; then
    echo "拒绝启动：PREFECT_SERVER_API_AUTH_STRING 须为“用户名:密码”，用户名和密码均不能为空" >&2
    exit 2
  fi
fi
case "$HOST" in
  0.0.0.0 | :: | "[::]")
    if [[ -z "${SUBSIDY_PUBLIC_URL:-}" ]]; then
      echo "拒绝启动：服务器监听所有地址（$HOST），请设置 SUBSIDY_PUBLIC_URL 为浏览器访问本系统的地址（如 https://subsidy.example.gov.cn），界面经此地址调用 API" >&2
      exit 2
    fi
    ;;
esac
URL_HOST="$HOST"
if [[ "$HOST" == *:* && "$HOST" != \[* ]]; then
  URL_HOST="[$HOST]"  # an IPv6 address in a URL
fi
PUBLIC_URL="${SUBSIDY_PUBLIC_URL:-http://$URL_HOST:$PORT}"
if [[ -n "${PREFECT_SERVER_API_AUTH_STRING:-}" ]]; then
  # The deployments' own runner calls the API with the same credential.
  export PREFECT_API_AUTH_STRING="${PREFECT_API_AUTH_STRING:-$PREFECT_SERVER_API_AUTH_STRING}"
fi
if [[ "$HOST" == "127.0.0.1" && -z "${SUBSIDY_PUBLIC_URL:-}" && -z "$AUTH" ]]; then
  # This machine only, no proxy, no credential: the demo, whose flows default to sample_inputs/
  # (flows/config.py). Anything else is production: its folders come from SUBSIDY_INBOX,
  # SUBSIDY_REFERENCE and SUBSIDY_OUT, and a run given the samples is refused.
  export SUBSIDY_DEMO="${SUBSIDY_DEMO:-1}"
fi
export PREFECT_HOME="${PREFECT_HOME:-$PWD/.prefect}"
export PREFECT_SERVER_ANALYTICS_ENABLED=false
export PREFECT_SERVER_API_HOST="$HOST"
export PREFECT_SERVER_API_PORT="$PORT"
export PREFECT_UI_API_URL="$PUBLIC_URL/api"
export PREFECT_API_URL="http://127.0.0.1:$PORT/api"
BIN="${BIN:-.venv/bin}"

"$BIN/prefect" server start --host "$HOST" --port "$PORT" &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null' EXIT INT TERM
for _ in $(seq 1 120); do
  if "$BIN/python" -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=1)" \
      "$PREFECT_API_URL/health" 2>/dev/null; then
    break
  fi
  sleep 0.5
done
echo "Prefect UI: $PUBLIC_URL"
"$BIN/python" -m flows.serve
