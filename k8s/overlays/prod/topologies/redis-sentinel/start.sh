#!/bin/sh
# Starts one of the two processes of a natter-redis pod: `start.sh redis` or `start.sh sentinel`.
# Both first ask the sentinels which server is the master of `natter` now, so that a pod that comes
# back after a failover follows the new master instead of claiming the role; when no sentinel answers
# (the very first start), natter-redis-0 is the master. Every address is a stable DNS name
# (POD.natter-redis.natter.svc.cluster.local), announced as such, so a restarted pod's new IP changes
# nothing. REDIS_PASSWORD comes from the Secret natter-redis.
set -eu

domain="natter-redis.${POD_NAMESPACE}.svc.cluster.local"
self="${POD_NAME}.${domain}"

master=""
for i in 0 1 2; do
  # Sentinels take no password (Natter asks them without one; the NetworkPolicy limits who may).
  answer=$(env -u REDISCLI_AUTH timeout 3 redis-cli -h "natter-redis-${i}.${domain}" -p 26379 --raw \
    sentinel get-master-addr-by-name natter 2>/dev/null | head -n 1) || true
  case "${answer}" in
    *.*) master="${answer}"; break ;;
  esac
done
[ -n "${master}" ] || master="natter-redis-0.${domain}"

case "${1:-}" in
  redis)
    set -- redis-server --port 6379 --dir /data --appendonly yes \
      --requirepass "${REDIS_PASSWORD}" --masterauth "${REDIS_PASSWORD}" \
      --replica-announce-ip "${self}"
    if [ "${master}" != "${self}" ]; then
      set -- "$@" --replicaof "${master}" 6379
    fi
    exec "$@"
    ;;
  sentinel)
    # Sentinel rewrites its own file, so it lives on the writable emptyDir, made anew at each start.
    cat > /sentinel/sentinel.conf <<CONF
port 26379
dir /sentinel
sentinel resolve-hostnames yes
sentinel announce-hostnames yes
sentinel announce-ip ${self}
sentinel monitor natter ${master} 6379 2
sentinel auth-pass natter ${REDIS_PASSWORD}
sentinel down-after-milliseconds natter 5000
sentinel failover-timeout natter 60000
sentinel parallel-syncs natter 1
CONF
    exec redis-sentinel /sentinel/sentinel.conf
    ;;
  *)
    echo "usage: start.sh redis|sentinel" >&2
    exit 2
    ;;
esac
