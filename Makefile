# Two entry points for a fresh machine (see README):
#   make run    set up the environment and reproduce the figures
#   make test   set up the environment and run the test suite
VENV ?= .venv
PY := $(VENV)/bin/python
CORES ?= 2
CONFIG ?= config/config.yaml
BACKEND ?= cpu

.PHONY: env run test bench

env: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

run: env
	OPENBLAS_NUM_THREADS=1 $(VENV)/bin/snakemake --cores $(CORES) --configfile $(CONFIG) --rerun-incomplete --show-failed-logs

test: env
	$(PY) -m pytest -q

# make bench BACKEND=gpu: GPU timings beside this machine's CPU (needs pip install -e '.[gpu]')
bench: env
	$(PY) bench/core.py --backend $(BACKEND) $(if $(filter gpu,$(BACKEND)),--sizes 12 14 --eth-sizes 12 14 16,)
