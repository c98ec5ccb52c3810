#!/usr/bin/env bash
# Acceptance case 2 sends reviewed ledgers back re-saved by an office suite, as reviewers do:
# install LibreOffice Calc (headless) when it is missing. It also renders workbooks to PDF
# (`soffice --headless --convert-to pdf`) for a person to look at. Needs root, as on CI machines.
set -euo pipefail
if command -v soffice >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "install_office: need root to apt-get install libreoffice-calc" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends libreoffice-calc poppler-utils fonts-wqy-zenhei >/dev/null
