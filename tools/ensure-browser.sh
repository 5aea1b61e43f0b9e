#!/bin/sh
# Make sure headless Chromium and its WebDriver are installed for the browser tests
# (tests/test_browser.py). Debian packages only: selenium is pointed at
# /usr/bin/chromedriver and never downloads a driver or a browser of its own.
#
# Does nothing when /usr/bin/chromium and /usr/bin/chromedriver are already there. Otherwise
# installs Debian's `chromium` and `chromium-driver` with apt-get (as root, or through sudo).
# In CI (CI=true) a failed install fails this script, because the browser tests must run
# there; elsewhere it warns and the browser tests skip with the reason.
set -u

if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    exit 0
fi

give_up() {
    echo "ensure-browser: $1" >&2
    if [ "${CI:-}" = "true" ]; then
        exit 1
    fi
    echo "ensure-browser: the browser tests will be skipped" >&2
    exit 0
}

command -v apt-get >/dev/null 2>&1 || give_up "apt-get not found: install chromium and chromedriver"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || give_up "not root and no sudo: cannot install chromium"
    SUDO="sudo"
fi

echo "ensure-browser: installing chromium and chromium-driver (Debian packages)"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || give_up "apt-get update failed"
$SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver \
    || give_up "apt-get install chromium chromium-driver failed"
[ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] \
    || give_up "chromium or chromedriver is still missing after the install"
/usr/bin/chromium --version 2>/dev/null || true
