#!/usr/bin/env bash
# Install headless Chromium and its WebDriver from the Debian packages, for
# tests/test_html_report.py (the report is opened in a real browser). Needs root
# (or sudo); does nothing when both are already installed.
set -euo pipefail
if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends \
    chromium chromium-driver
