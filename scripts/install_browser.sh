#!/usr/bin/env bash
# The browser test drives Debian's Chromium with Playwright; install it (and a CJK font, so
# the screenshots show the Chinese labels) when it is missing. Needs root, as on CI machines.
set -euo pipefail
if [ -x /usr/bin/chromium ] && fc-list 2>/dev/null | grep -qi "wenquanyi\|noto sans cjk"; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "install_browser: need root to apt-get install chromium fonts-wqy-zenhei" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium fonts-wqy-zenhei >/dev/null
