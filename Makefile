# Two entry points for a fresh machine (see README):
#   make run    set up the environment and reproduce the figures
#   make test   set up the environment and run the test suite
VENV ?= .venv
PY := $(VENV)/bin/python
CORES ?= $(shell nproc 2>/dev/null || echo 2)
CONFIG ?= config/config.yaml
BACKEND ?= cpu

# The paper config as a campaign of pieces (run `make campaign` again after every stop;
# keep RUN outside any checkout): workflow/scripts/campaign.py, README "The paper's scale".
RUN ?= $(HOME)/dnpmbl-campaign/run

.PHONY: env run test test-slow test-all bench report check-cores lock campaign campaign-status docs

env: $(VENV)/.installed

$(VENV)/.installed: requirements.lock pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --no-deps -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

# Rebuild requirements.lock from requirements.txt in a fresh environment.
lock:
	rm -rf .lock-venv && python3 -m venv .lock-venv
	.lock-venv/bin/pip install --quiet -r requirements.txt
	{ sed -n '1,3p' requirements.lock; .lock-venv/bin/pip freeze --exclude-editable; } > requirements.lock.new
	mv requirements.lock.new requirements.lock && rm -rf .lock-venv

check-cores:
	@case "$(CORES)" in ''|*[!0-9]*|0) echo "error: CORES must be a positive integer, got '$(CORES)'"; exit 2;; esac

# Prints the job count and an estimate of the time first (the paper config takes hours).
run: check-cores env
	@$(PY) workflow/scripts/plan.py $(CONFIG) $(CORES) \
		"$$($(VENV)/bin/snakemake -n --quiet rules --cores $(CORES) --configfile $(CONFIG) 2>/dev/null | awk '$$1 == "total" {print $$2; exit}')"
	OPENBLAS_NUM_THREADS=1 $(VENV)/bin/snakemake --cores $(CORES) --configfile $(CONFIG) --rerun-incomplete --show-failed-logs

# The HTML report of the run made with the same CONFIG.
report: env
	$(VENV)/bin/snakemake --configfile $(CONFIG) --report results/report.html

campaign: check-cores env
	$(PY) workflow/scripts/campaign.py run --directory $(RUN) --cores $(CORES) --configfile $(CONFIG)

campaign-status: env
	@$(PY) workflow/scripts/campaign.py status --directory $(RUN) --cores $(CORES) --configfile $(CONFIG)

# make test: everything but the tests marked slow (the workflow run end to end, runs killed
# and resumed, long physics checks), within 5 minutes on 2 cores; make test-slow: those,
# on CORES workers too, with the 10 longest listed (the smoke and beyond smoke workflows
# run once for all workers: tests/conftest.py); CI runs both. make test-all: the two in
# one serial pytest run. (--dist loadgroup would not help: with pytest 9 pytest-xdist 3.8
# no longer keeps a group on one worker.)
test: env
	$(PY) -m pytest -q -m "not slow" -n $(CORES)

test-slow: env
	$(PY) -m pytest -q -m slow -n $(CORES) --durations=10

test-all: env
	$(PY) -m pytest -q

# make bench BACKEND=gpu: GPU timings beside this machine's CPU (needs pip install -e '.[gpu]')
bench: env
	$(PY) bench/core.py --backend $(BACKEND) $(if $(filter gpu,$(BACKEND)),--sizes 12 14 --eth-sizes 12 14 16,)

# The API reference from the docstrings (Sphinx with numpydoc, warnings as errors):
# build/docs/index.html. Its tools (docs/requirements.txt) go into the same .venv.
$(VENV)/.docs-installed: $(VENV)/.installed docs/requirements.txt
	$(PY) -m pip install --quiet --no-deps -r docs/requirements.txt
	touch $@

docs: $(VENV)/.docs-installed
	rm -rf build/docs
	$(PY) -m sphinx -W --keep-going -q -b html docs/api build/docs
