#!/usr/bin/env bash
# Make sure OpenSSH's sshd binary (Debian package openssh-server) is installed for the SFTP tests and the
# bench. It only installs: it never starts, enables or reconfigures the system sshd. The tests start
# their own sshd on a loopback port with their own config and host key (tests/sftp_fixtures.py).
set -euo pipefail

if [ -x /usr/sbin/sshd ] && [ -x /usr/lib/openssh/sftp-server ]; then exit 0; fi

echo "OpenSSH server is not installed: installing Debian's openssh-server (not started) ..."
export DEBIAN_FRONTEND=noninteractive
# policy-rc.d 101 keeps the package's maintainer scripts from starting the system sshd.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1
fi
trap '[ "$created_policy" = 1 ] && rm -f "$policy"' EXIT
apt-get update -qq
apt-get install -y -qq --no-install-recommends openssh-server openssh-client >/dev/null
test -x /usr/sbin/sshd
echo "openssh-server installed (the system sshd was not started)"
