#!/bin/bash
# The stand-in mariadb image's entrypoint (see Containerfile): initialise an empty data directory from the
# MARIADB_* variables, then run mariadbd with the container's arguments.
set -euo pipefail

if [[ "${1:-}" == -* ]]; then
  set -- mariadbd "$@"
fi
if [[ "$1" != mariadbd ]]; then
  exec "$@"
fi

DATADIR=/var/lib/mysql
SOCKET=/run/mysqld/mysqld.sock
if [[ ! -d "$DATADIR/mysql" ]]; then
  : "${MARIADB_ROOT_PASSWORD:?the stand-in needs MARIADB_ROOT_PASSWORD to initialise the database}"
  echo "entrypoint: initialising $DATADIR"
  mariadb-install-db --datadir="$DATADIR" --skip-test-db --auth-root-authentication-method=normal \
    --skip-name-resolve >/dev/null
  "$@" --skip-networking --socket="$SOCKET" &
  pid=$!
  for _ in $(seq 60); do
    mariadb-admin --socket="$SOCKET" -uroot ping >/dev/null 2>&1 && break
    sleep 1
  done
  # An SQL string literal: quotes doubled; NO_BACKSLASH_ESCAPES (below) keeps backslashes as they are.
  quote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/''/g")"; }
  health_password=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
  {
    echo "ALTER USER 'root'@'localhost' IDENTIFIED BY $(quote "$MARIADB_ROOT_PASSWORD");"
    echo "CREATE USER 'root'@'%' IDENTIFIED BY $(quote "$MARIADB_ROOT_PASSWORD");"
    echo "GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
    echo "CREATE USER 'healthcheck'@'localhost' IDENTIFIED BY '$health_password';"
    echo "GRANT USAGE ON *.* TO 'healthcheck'@'localhost';"
    if [[ -n "${MARIADB_DATABASE:-}" ]]; then
      echo "CREATE DATABASE IF NOT EXISTS \`$MARIADB_DATABASE\`;"
    fi
    if [[ -n "${MARIADB_USER:-}" ]]; then
      echo "CREATE USER $(quote "$MARIADB_USER")@'%' IDENTIFIED BY $(quote "${MARIADB_PASSWORD:?}");"
      if [[ -n "${MARIADB_DATABASE:-}" ]]; then
        echo "GRANT ALL ON \`$MARIADB_DATABASE\`.* TO $(quote "$MARIADB_USER")@'%';"
      fi
    fi
    echo "FLUSH PRIVILEGES;"
  } | mariadb --socket="$SOCKET" -uroot --init-command="SET sql_mode = 'NO_BACKSLASH_ESCAPES'"
  printf '[mariadb-client]\nport=3306\nsocket=%s\nuser=healthcheck\npassword=%s\n' "$SOCKET" \
    "$health_password" >"$DATADIR/.my-healthcheck.cnf"
  mariadb-admin --socket="$SOCKET" -uroot --password="$MARIADB_ROOT_PASSWORD" shutdown
  wait "$pid" || true
  echo "entrypoint: initialised"
fi
exec "$@"
