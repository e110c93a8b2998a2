#!/bin/bash
# Runs once, on the first start of the mariadb service, after init.sql (mounted as 20-users.sh).
# Creates one user per database with the password taken from the environment, so that no secret is
# written in the repository. Each user may touch only its own database.
#
# The image's entrypoint executes this file when it is executable and sources it otherwise: the body
# runs in a subshell so that its shell options never leak into the entrypoint.

hub_create_users() (
	set -euo pipefail
	: "${MARIADB_ROOT_PASSWORD:?}" "${CASE_SYSTEM_DB_PASSWORD:?}" "${CREDIT_FRONTDB_DB_PASSWORD:?}"

	# Quote a value as an SQL string literal: backslashes and single quotes doubled.
	sql_quote() {
		local value=${1//\\/\\\\}
		printf "'%s'" "${value//\'/\'\'}"
	}

	MYSQL_PWD="$MARIADB_ROOT_PASSWORD" mariadb --protocol=socket --user=root <<-SQL
		CREATE USER IF NOT EXISTS 'hub_case'@'%' IDENTIFIED BY $(sql_quote "$CASE_SYSTEM_DB_PASSWORD");
		GRANT ALL PRIVILEGES ON case_system.* TO 'hub_case'@'%';
		CREATE USER IF NOT EXISTS 'hub_frontdb'@'%' IDENTIFIED BY $(sql_quote "$CREDIT_FRONTDB_DB_PASSWORD");
		GRANT ALL PRIVILEGES ON credit_frontdb.* TO 'hub_frontdb'@'%';
		FLUSH PRIVILEGES;
	SQL
)

hub_create_users
