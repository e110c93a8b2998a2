#!/usr/bin/env bash
# Make sure PostgreSQL answers on 127.0.0.1:5432 (user postgres, trust auth) for the hub-DB tests:
# install Debian's postgresql when absent, start the cluster when it is down, wait until it answers.
set -euo pipefail

ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }

if ready; then exit 0; fi
if ! command -v pg_ctlcluster >/dev/null; then
  echo "PostgreSQL is not installed: installing Debian's postgresql ..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql >/dev/null
fi
version=$(ls /etc/postgresql | sort -V | tail -n 1)
echo "starting PostgreSQL $version ..."
pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
for _ in $(seq 1 60); do
  if ready; then echo "PostgreSQL is up on 127.0.0.1:5432"; exit 0; fi
  sleep 1
done
echo "PostgreSQL did not answer on 127.0.0.1:5432 within 60 s; see /var/log/postgresql/" >&2
exit 1
