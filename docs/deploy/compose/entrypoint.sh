#!/bin/sh
# Turns the secret files compose mounts under /run/secrets into the environment byokey reads,
# then runs byokey with the given arguments. A variable already set is left alone.
set -eu

SECRETS=${BYOKEY_SECRETS_DIR:-/run/secrets}
BIN=${BYOKEY_BIN:-/usr/local/lib/byokey/byokey}

# secret NAME: the file's content without line breaks; fails when there is no such file
secret() {
  [ -r "$SECRETS/$1" ] || return 1
  tr -d '\r\n' <"$SECRETS/$1"
}

# the passwords are hex (init-secrets.sh), so they need no escaping inside a URL
if [ -z "${BYOKEY_DATABASE_URL:-}" ] && pw=$(secret postgres_password); then
  BYOKEY_DATABASE_URL="postgres://byokey:$pw@${POSTGRES_HOST:-postgres}:5432/byokey"
  export BYOKEY_DATABASE_URL
fi
if [ -z "${BYOKEY_REDIS_URL:-}" ] && pw=$(secret redis_password); then
  BYOKEY_REDIS_URL="redis://:$pw@${REDIS_HOST:-redis}:6379"
  export BYOKEY_REDIS_URL
fi
if [ -z "${BYOKEY_ADMIN_KEY:-}" ] && key=$(secret byokey_admin_key); then
  BYOKEY_ADMIN_KEY=$key
  export BYOKEY_ADMIN_KEY
fi
if [ -z "${BYOKEY_SECRET_KEY:-}" ] && key=$(secret byokey_secret_key); then
  BYOKEY_SECRET_KEY=$key
  export BYOKEY_SECRET_KEY
fi

exec "$BIN" "$@"
