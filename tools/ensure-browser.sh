#!/bin/sh
# Make sure headless Chromium and its WebDriver are installed for the browser tests
# (tests/test_browser.py), and axe-core (the accessibility checker they inject) in
# .tools/node_modules. Debian packages and npm only: selenium is pointed at
# /usr/bin/chromedriver and never downloads a driver or a browser of its own.
#
# Installs Debian's `chromium` and `chromium-driver` with apt-get (as root, or through sudo)
# unless /usr/bin/chromium and /usr/bin/chromedriver are already there, then axe-core with npm
# unless .tools/node_modules/axe-core is already there.
# In CI (CI=true) a failed install fails this script, because the browser tests must run
# there; elsewhere it warns and the browser tests skip with the reason.
set -u

AXE_VERSION="4.14.1"
TOOLS="$(dirname "$0")/../.tools"

give_up() {
    echo "ensure-browser: $1" >&2
    if [ "${CI:-}" = "true" ]; then
        exit 1
    fi
    echo "ensure-browser: the browser tests will be skipped" >&2
    exit 0
}

install_axe() {
    [ -f "$TOOLS/node_modules/axe-core/axe.min.js" ] && return 0
    command -v npm >/dev/null 2>&1 || give_up "npm not found: cannot install axe-core"
    mkdir -p "$TOOLS"
    echo "ensure-browser: installing axe-core $AXE_VERSION (npm) into .tools/"
    npm install --silent --no-audit --no-fund --prefix "$TOOLS" "axe-core@$AXE_VERSION" \
        || give_up "npm install axe-core failed"
}

if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    install_axe
    exit 0
fi

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
install_axe
