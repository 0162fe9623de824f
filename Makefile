# Neural networks from the neuron up: every command a student or instructor needs.
#   make lab      install (once), then open JupyterLab on the student notebooks
#   make test     install (once), then run every test
#   make release  regenerate notebooks/ from solutions/ (nbgrader generate_assignment)
#   make bench    timings: solution notebooks, grading
#   make mutate   the mutation test of the graded checks, with a table of every mutant

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PATH := $(CURDIR)/$(BIN):$(PATH)
ASSIGNMENTS := $(notdir $(wildcard solutions/0*))
LAB_FLAGS := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: install lab test release bench mutate lint clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@echo "==> [1/3] creating the virtual environment in $(VENV)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "==> [2/3] installing the course library and its pinned dependencies (about a minute)"
	@$(BIN)/pip install --quiet --disable-pip-version-check -e .
	@echo "==> [3/3] enabling nbgrader's JupyterLab extensions"
	@$(BIN)/jupyter labextension enable @jupyter/nbgrader >/dev/null
	@$(BIN)/jupyter server extension list 2>&1 | grep -q "validate_assignment.*OK" \
	  || { echo "nbgrader's validate extension is not enabled"; exit 1; }
	@touch $(STAMP)
	@echo "==> installed"

lab: install
	@echo "==> opening JupyterLab on notebooks/ (Ctrl-C to stop); the URL follows"
	cd notebooks && ../$(BIN)/jupyter lab $(LAB_FLAGS) --notebook-dir=. \
	  --ServerApp.root_dir=. --no-browser --ip=127.0.0.1

test: install
	$(BIN)/ruff check .
	$(BIN)/pytest -q

release: install
	cd course && for a in $(ASSIGNMENTS); do \
	  ../$(BIN)/nbgrader generate_assignment $$a --force --log-level=WARN || exit 1; done

mutate: install
	$(BIN)/python -m autograder mutate

bench: install
	$(BIN)/python -m bench

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf course/submitted course/autograded course/feedback course/gradebook.db
