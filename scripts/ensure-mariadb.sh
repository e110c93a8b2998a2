#!/usr/bin/env bash
# Make sure a MariaDB server answers on 127.0.0.1:3306 (root, no password) for the tests:
# install Debian's mariadb-server when it is absent, start it when it is not running, wait until it answers.
set -euo pipefail

ping() { mariadb-admin --protocol=tcp -h 127.0.0.1 -P 3306 -u root ping >/dev/null 2>&1; }

if ping; then exit 0; fi

if [ ! -x /usr/sbin/mariadbd ]; then
  echo "MariaDB is not installed: installing Debian's mariadb-server ..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq mariadb-server mariadb-client >/dev/null
fi

if ! pgrep -x mariadbd >/dev/null; then
  echo "starting MariaDB ..."
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
fi

for _ in $(seq 1 60); do
  if ping; then echo "MariaDB is up on 127.0.0.1:3306"; exit 0; fi
  sleep 1
done
echo "MariaDB did not answer on 127.0.0.1:3306 within 60 s; see /var/log/mysql/error.log" >&2
exit 1
