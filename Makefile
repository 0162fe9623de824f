# Neural networks from the neuron up: every command a student or instructor needs.
#   make lab      install (once), then open JupyterLab on the student notebooks
#   make test     install (once), then run every test
#   make release  regenerate notebooks/ from solutions/ (nbgrader generate_assignment)
#   make bench    timings: solution notebooks, grading
#   make mutate   the mutation test of the graded checks, with a table of every mutant
#   make grade    grade a class: SUBMISSIONS=course/submitted (or an LMS folder/zip), OUT=grading
#   make check    self-study: run your notebooks/ and report each exercise (NB=04 for one,
#                 HINTS=2 for the next layer of hints); never reads solutions or hidden tests
#   make test-browser  the student's walk-through in JupyterLab, and the instructor grading a
#                 written answer in formgrader, in headless Chromium (slow)
#   make screenshots   the same, saving its screenshots to docs/screenshots/
#   make test-slow  the slow tests: the mutation test through both graders, and the student
#                 wheel alone in a fresh venv running notebook 01
#   make student-bundle  dist/nncourse-student/ (+ .zip): the student notebooks and a wheel of
#                 the student library only (no solutions, hidden checks or grader) to hand out
#   make gradescope  dist/gradescope/<id>.zip: a Gradescope autograder per notebook (NB=01_...
#                 for one)
#   make lms      grading/lms/<lms>.csv again from the gradebook, after formgrader grading
#                 (LMS_FLAGS="--course-id X --course-work DIR" as given to grade)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PATH := $(CURDIR)/$(BIN):$(PATH)
ASSIGNMENTS := $(notdir $(wildcard solutions/0*))
LAB_FLAGS := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: install lab test release bench mutate lint clean sandbox grade browser test-browser screenshots check student-bundle test-slow gradescope lms

install: $(STAMP)

$(STAMP): pyproject.toml
	@echo "==> [1/3] creating the virtual environment in $(VENV)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "==> [2/3] installing the course library, its pinned dependencies and the [dev] tools (several minutes the first time)"
	@$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	@echo "==> [3/3] enabling nbgrader's JupyterLab extensions"
	@$(BIN)/jupyter labextension enable @jupyter/nbgrader >/dev/null
	@$(BIN)/jupyter server extension list 2>&1 | grep -q "validate_assignment.*OK" \
	  || { echo "nbgrader's validate extension is not enabled"; exit 1; }
	@touch $(STAMP)
	@echo "==> installed"

lab: install
	@echo "==> starting JupyterLab on notebooks/ (Ctrl-C to stop); open the URL it prints below"
	cd notebooks && ../$(BIN)/jupyter lab $(LAB_FLAGS) --ServerApp.root_dir=. \
	  --no-browser --ip=127.0.0.1 --ServerApp.log_level=WARN

# two pytest workers (one per core), each test file in one of them; the browser tests
# are skipped here (make test-browser runs them), so Chromium is not needed
test: install sandbox
	$(BIN)/ruff check .
	$(BIN)/pytest -q -n 2 --dist loadfile -m "not slow"

release: install
	cd course && for a in $(ASSIGNMENTS); do \
	  ../$(BIN)/nbgrader generate_assignment $$a --force --log-level=WARN || exit 1; done

mutate: install
	$(BIN)/python -m autograder mutate $(ARGS)

bench: install
	$(BIN)/python -m bench

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf course/submitted course/autograded course/feedback course/gradebook.db

# Debian's Chromium for the browser test (Playwright's own download needs the network).
browser:
	@command -v chromium >/dev/null 2>&1 || test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ]; then echo "==> installing chromium (apt-get)"; \
	    apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "==> chromium missing: sudo apt-get install chromium (browser test skipped)"; fi; }

test-browser: install browser
	NNCOURSE_BROWSER=1 $(BIN)/pytest -q -s tests/test_browser.py tests/test_formgrader.py

screenshots: install browser
	NNCOURSE_BROWSER=1 NNCOURSE_SCREENSHOTS=docs $(BIN)/pytest -q -s tests/test_browser.py \
	  tests/test_formgrader.py

student-bundle: install
	$(BIN)/python -m autograder.bundle --dist dist

# tests marked slow (minutes each): the mutation test, the student wheel in a fresh venv
test-slow: install
	NNCOURSE_SLOW=1 $(BIN)/pytest -q -n 2 --dist loadfile -m slow

check: install
	@$(BIN)/python -m nncourse.selfcheck $(NB) $(if $(HINTS),--hints $(HINTS),) || true

# bubblewrap isolates student code while grading (Debian package; root installs it).
sandbox:
	@command -v bwrap >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then echo "==> installing bubblewrap (apt-get)"; \
	    apt-get update -qq && apt-get install -y -qq bubblewrap >/dev/null; \
	  else echo "==> bubblewrap missing: sudo apt-get install bubblewrap (sandbox tests skipped)"; fi; }

SUBMISSIONS ?= course/submitted
OUT ?= grading
grade: install sandbox
	$(BIN)/python -m autograder grade "$(SUBMISSIONS)" --out "$(OUT)" $(GRADE_FLAGS)

gradescope: install
	$(BIN)/python -m autograder gradescope build --dist dist/gradescope $(if $(NB),--assignment $(NB),)

lms: install
	$(BIN)/python -m autograder lms --out "$(OUT)" $(LMS_FLAGS)
