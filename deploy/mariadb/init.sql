-- Runs once, on the first start of the mariadb service (empty data volume), as root.
-- In the production shape MariaDB stands in for two systems the hub does not own:
--   case_system     the courts' enforcement case system (执行办案系统)
--   credit_frontdb  the credit platform's front-end exchange database (前置库)
-- Their users and passwords are created by init-users.sh from the environment (no secret in this file).
CREATE DATABASE IF NOT EXISTS case_system CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE DATABASE IF NOT EXISTS credit_frontdb CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
