#!/usr/bin/env bash
# Installs the Debian packages the test suite drives for real. Safe to run again: it only installs
# what is missing. Needs root (CI and the dev machines run as root); otherwise prints what to install.
set -euo pipefail
PACKAGES=(nats-server chromium ripgrep)
missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-system: all of ${PACKAGES[*]} present"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "setup-system: please install: ${missing[*]} (apt-get install ${missing[*]})" >&2
  exit 1
fi
echo "setup-system: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
