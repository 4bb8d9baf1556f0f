#!/usr/bin/env bash
# Installs what the tests, the demo and the benchmarks need on a fresh machine:
# npm packages (npm ci) and Debian packages (prosody and ejabberd for the integration tests,
# postgresql for the store shared by several processes, chromium for the /docs browser test,
# python3-flask for the Flask example, prosody-modules for XEP-0425 moderation in the rooms
# tests).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v prosody >/dev/null 2>&1 || missing+=(prosody)
# Community modules: mod_muc_moderation (XEP-0425) for the moderation tests.
[ -f /usr/lib/prosody/modules/mod_muc_moderation/mod_muc_moderation.lua ] || missing+=(prosody-modules)
# ejabberdctl lives in /usr/sbin, which is not on every user's PATH.
[ -x /usr/sbin/ejabberdctl ] || missing+=(ejabberd)
command -v curl >/dev/null 2>&1 || missing+=(curl)
# The tests start throwaway PostgreSQL clusters from the server binaries (test/helpers/postgres.ts).
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
# better-sqlite3 (the store) compiles from source when no prebuilt binary can be downloaded.
command -v g++ >/dev/null 2>&1 || missing+=(g++)
command -v make >/dev/null 2>&1 || missing+=(make)
# The /docs test drives Debian's chromium through playwright-core, which never downloads a browser.
[ -x /usr/bin/chromium ] || missing+=(chromium)
# systemd-analyze checks examples/systemd/xmpp-rest.service.
[ -x /usr/bin/systemd-analyze ] || missing+=(systemd)
/usr/bin/python3 -c "import flask" >/dev/null 2>&1 || missing+=(python3-flask)

if [ ${#missing[@]} -gt 0 ]; then
  echo "xmpp-rest: installing Debian packages: ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "xmpp-rest: please install as root: apt-get install -y ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # The package may start a system ejabberd (systemd or init.d). The tests never use it and
  # cannot collide with it (free loopback ports, no Erlang distribution: see
  # test/helpers/ejabberd.ts), but it would hold ports 5222/5269/5280 and CPU for nothing:
  # stop the one this script just installed. An ejabberd installed before is left alone.
  # The same for the system PostgreSQL cluster the postgresql package creates and starts.
  for service in ejabberd postgresql; do
    [[ " ${missing[*]} " == *" ${service} "* ]] || continue
    if [ -d /run/systemd/system ]; then
      $sudo systemctl stop "${service}.service" >/dev/null 2>&1 || true
    elif [ -x "/etc/init.d/${service}" ]; then
      $sudo "/etc/init.d/${service}" stop >/dev/null 2>&1 || true
    fi
  done
fi

# npm ci installs exactly the lock file. The lock lists other platforms' optional packages as
# stubs (scripts/complete-lock.mjs) because this registry serves only the current platform's;
# should npm still refuse it, npm install keeps to the locked versions too.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "xmpp-rest: installing npm packages (npm ci)"
  npm ci --no-audit --no-fund || npm install --no-audit --no-fund
fi
