#!/bin/bash
# The stand-in mariadb image's healthcheck.sh: the two checks the dev overlay's probes use.
#   --connect             the server accepts a login (the healthcheck account the entrypoint made)
#   --innodb_initialized  InnoDB is up
set -euo pipefail
client=(mariadb --defaults-extra-file=/var/lib/mysql/.my-healthcheck.cnf --batch --skip-column-names)
(($#)) || set -- --connect
for check in "$@"; do
  case "$check" in
    --connect) "${client[@]}" -e 'SELECT 1' >/dev/null ;;
    --innodb_initialized)
      [[ $("${client[@]}" -e "SELECT 1 FROM information_schema.ENGINES WHERE engine = 'InnoDB'
                               AND support IN ('YES', 'DEFAULT', 'ENABLED')") == 1 ]] ;;
    *) echo "healthcheck.sh: unknown check $check" >&2; exit 2 ;;
  esac
done
