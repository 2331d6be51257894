FROM python:3.11-slim

WORKDIR /srv/planner
# Installed in place (editable) so that `planner migrate` finds migrations/ beside the code.
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY solver ./solver
COPY migrations ./migrations
RUN pip install --no-cache-dir -e .

RUN useradd --system planner
USER planner
EXPOSE 8000
CMD ["sh", "-c", "planner migrate && planner serve --host 0.0.0.0 --port 8000"]
