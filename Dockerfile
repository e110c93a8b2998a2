# syntax=docker/dockerfile:1
# One image for every Airflow service of docker-compose.yml (api-server, scheduler, dag-processor,
# triggerer, celery worker, init). Build: `docker compose build`.
FROM python:3.11-slim-bookworm

ENV AIRFLOW_HOME=/opt/airflow \
    HUB_MAPPINGS_DIR=/opt/airflow/mappings \
    HUB_POLICIES_DIR=/opt/airflow/policies \
    HUB_EXPECTATIONS_DIR=/opt/airflow/expectations \
    HUB_CONTRACTS_DIR=/opt/airflow/contracts \
    HUB_REPORTS_DIR=/opt/airflow/reports \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1

# Same uid/gid convention as the official Airflow image (uid 50000, group 0).
RUN useradd --system --uid 50000 --gid 0 --home-dir "${AIRFLOW_HOME}" --no-create-home --shell /bin/bash airflow \
 && mkdir -p "${AIRFLOW_HOME}/logs" "${AIRFLOW_HOME}/reports" "${AIRFLOW_HOME}/auth" "${AIRFLOW_HOME}/deploy" \
 && chown -R airflow:0 "${AIRFLOW_HOME}" \
 && chmod -R g+rwX "${AIRFLOW_HOME}"

# Dependencies first (the pinned lock, then the production-only pins), so that a code change does not
# reinstall them.
COPY requirements.txt requirements-prod.txt /tmp/requirements/
RUN pip install -r /tmp/requirements/requirements.txt \
 && pip install -r /tmp/requirements/requirements-prod.txt \
 && rm -rf /tmp/requirements

# The hub itself (engine, connectors, sandbox and the `hub` command), without touching the pins above.
COPY pyproject.toml README.md /tmp/src/
COPY hub/ /tmp/src/hub/
COPY connectors/ /tmp/src/connectors/
COPY sandbox/ /tmp/src/sandbox/
RUN pip install --no-deps /tmp/src \
 && pip check \
 && rm -rf /tmp/src

COPY --chown=airflow:0 dags/ ${AIRFLOW_HOME}/dags/
COPY --chown=airflow:0 mappings/ ${AIRFLOW_HOME}/mappings/
COPY --chown=airflow:0 policies/ ${AIRFLOW_HOME}/policies/
COPY --chown=airflow:0 expectations/ ${AIRFLOW_HOME}/expectations/
COPY --chown=airflow:0 contracts/ ${AIRFLOW_HOME}/contracts/
COPY --chown=airflow:0 plugins/ ${AIRFLOW_HOME}/plugins/

USER airflow
WORKDIR ${AIRFLOW_HOME}
# 8080: API server and UI; 8793: the workers' log server; 8974: the scheduler's health check.
EXPOSE 8080 8793 8974
CMD ["airflow", "version"]
