#!/bin/sh
# Writes the secrets compose.yaml mounts: random, hex, one per file. Existing files are kept, so
# running it again changes nothing. The folder is yours alone (0700); the files in it are 0644
# because compose mounts them as they are, and byokey reads them as its own unprivileged user.
set -eu
cd "$(dirname "$0")"
mkdir -p secrets
chmod 0700 secrets
umask 022

# new NAME BYTES [PREFIX]: a file of PREFIX and BYTES random bytes in hex, unless it exists
new() {
  if [ -e "secrets/$1" ]; then
    echo "secrets/$1: kept"
    return
  fi
  printf '%s%s\n' "${3:-}" "$(od -An -N"$2" -tx1 /dev/urandom | tr -d ' \n')" >"secrets/$1"
  echo "secrets/$1: written"
}

new postgres_password 24
new redis_password 24
# the management API's key (send it as Authorization: Bearer …)
new byokey_admin_key 32 byka-
# encrypts tokens at rest in PostgreSQL: 32 bytes; losing it means logging in again
new byokey_secret_key 32
