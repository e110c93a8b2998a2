-- Runs once, on the first start of the postgres service (empty data volume), as POSTGRES_USER (airflow).
-- The Airflow metadata DB (airflow) is created by the image from POSTGRES_DB; this adds the hub's own DB.
-- Its tables are created by `hub db upgrade` in the airflow-init service.
CREATE DATABASE hub WITH ENCODING 'UTF8';
