# socialnet: `make run` brings the site up with demo data, `make test` runs the suite.
PY ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: install run test lint worker beat bench notebooks clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install -q -r req-dev.txt

# Development server with demo data. DEBUG=1 gives a dev SECRET_KEY; set DATABASE_URL/REDIS_URL to use services.
run: install
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py seed_demo
	DEBUG=1 $(BIN)/python manage.py train_recommender --unless-active --bootstrap 50
	@echo "socialnet is at http://127.0.0.1:$(PORT)/  (log in as demo / demo-password-1)"
	DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The suite runs against real services: PostgreSQL and Redis on localhost unless DATABASE_URL/REDIS_URL say otherwise.
TEST_DATABASE_URL ?= $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/socialnet)
TEST_REDIS_URL ?= $(or $(REDIS_URL),redis://127.0.0.1:6379/15)
test: install
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(BIN)/python -m pytest -n 2

# The benchmark suite at the small size (docs/PERFORMANCE.md); SIZE=medium for the documented run.
SIZE ?= small
bench: install
	$(BIN)/python bench/run.py --size $(SIZE)

lint: install
	$(BIN)/ruff check .

worker:
	DEBUG=1 $(BIN)/celery -A socialnet worker -l info

beat:
	DEBUG=1 $(BIN)/celery -A socialnet beat -l info

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles

# Jupyter Lab on notebooks/ against the configured DATABASE_URL (docs/RECOMMENDER.md, "Notebooks"); Jupyter
# refuses to run as root unless told, which containers often are.
notebooks: $(BIN)/python
	$(BIN)/pip install -q -r req-notebooks.txt
	DEBUG=$${DEBUG:-1} OMP_WAIT_POLICY=PASSIVE $(BIN)/jupyter lab --no-browser --notebook-dir=notebooks \
		$(if $(filter 0,$(shell id -u)),--allow-root)

# Both notebooks run headlessly on a fresh small database (DATABASE_URL's name + "_notebooks"); fails when a
# cell fails or a committed notebook carries outputs.
.PHONY: notebooks-check
notebooks-check: $(BIN)/python
	$(BIN)/pip install -q -r req-notebooks.txt
	$(BIN)/python notebooks/check.py
