#!/usr/bin/env bash
# The Debian packages that the test suite and the built-in skills drive for real. `npm test` runs
# this first (the pretest script), so the README's two commands stay the whole set-up:
#   - everything present: returns at once (one `command -v` / `test -e` per requirement; no apt);
#   - something missing, as root: installs just that (apt-get update only then);
#   - something missing, not root: prints the one sudo command to run and exits 1.
# Safe to run again. A new requirement is one line below.
set -euo pipefail

# program on PATH, or an absolute path the package installs : the Debian package
REQUIREMENTS=(
  "nats-server:nats-server"
  "/usr/bin/chromium:chromium"
  "rg:ripgrep"
  "pocketsphinx_continuous:pocketsphinx"
  "/usr/share/pocketsphinx/model/en-us/en-us:pocketsphinx-en-us"
  "flite:flite"
  "arecord:alsa-utils"
)

missing=()
for requirement in "${REQUIREMENTS[@]}"; do
  thing="${requirement%%:*}"
  package="${requirement#*:}"
  if [[ "$thing" == /* ]]; then
    [ -e "$thing" ] || missing+=("$package")
  else
    command -v "$thing" >/dev/null 2>&1 || missing+=("$package")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  echo "setup-system: missing ${missing[*]}. Install them once with:" >&2
  echo "  sudo bash $(cd "$(dirname "$0")" && pwd)/setup-system.sh" >&2
  exit 1
fi

echo "setup-system: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
