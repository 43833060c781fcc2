# jupyter-mv: `make lab` to try it, `make test` to test it (what CI runs).
#
# Both install the package non-editable into .venv, prebuilt sidebar included.
# Stamp files in .stamps/ make a second run skip what has not changed.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMPS := .stamps
CHROMIUM ?= /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

# What the built sidebar is made from, and what the Python package is made from.
FRONTEND_SOURCES := $(shell find labextension style schema -type f 2>/dev/null) \
	package.json yarn.lock tsconfig.json .yarnrc.yml
PACKAGE_SOURCES := $(shell find jupyter_mv -path jupyter_mv/labextension -prune -o -type f -name '*.py' -print \
	-o -type f -name '*.json' -print -o -type f -name '*.yaml' -print 2>/dev/null) \
	pyproject.toml install.json $(shell find jupyter-config -type f 2>/dev/null)

LAB_FLAGS := --no-browser $(ALLOW_ROOT) \
	--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate \
	--LabApp.extension_manager=readonly

.PHONY: help lab test check lint-frontend bench stress mutation browser sshd clean distclean

help:
	@echo "make lab        install into $(VENV) and open JupyterLab on examples/"
	@echo "make test       install with test extras (and chromium), run the checks, then pytest over tests/"
	@echo "make check      ruff (lint and format), mypy, and ESLint/Prettier/Stylelint: checks only, rewrites nothing"
	@echo "make bench      jupyter-mv against DVC and git at full scale: writes BENCHMARKS.md and"
	@echo "                benchmarks/compare.png (about 1 h and 50 GB of /tmp a run; BENCH_RUNS=2 runs it twice)"
	@echo "make stress     the long reliability and security tests (JUPYTER_MV_STRESS=1)"
	@echo "make mutation   mutation testing (mutmut) of the store, remotes, environment capture and the"
	@echo "                server's access and guard: a seeded sample, about 45 min on two cores"
	@echo "                (MUTATION_PER_TARGET=N, MUTATION_SEED=N, MUTATION_ARGS=--all); see tests/MUTATION.md"
	@echo "make clean      remove build output and stamps (keeps $(VENV) and node_modules)"
	@echo "make distclean  clean, and remove $(VENV) and node_modules"

$(STAMPS):
	mkdir -p $@

$(STAMPS)/venv: | $(STAMPS)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	touch $@

# Never ship a stale sidebar: when any of its sources changed, drop the built
# extension so that the install below builds it again (the build hook reuses
# an existing build).
$(STAMPS)/frontend: $(FRONTEND_SOURCES) | $(STAMPS)
	rm -rf jupyter_mv/labextension lib tsconfig.tsbuildinfo
	touch $@

$(STAMPS)/install-lab: $(STAMPS)/venv $(STAMPS)/frontend $(PACKAGE_SOURCES)
	$(PIP) install ".[lab,examples]"
	touch $@

$(STAMPS)/install-test: $(STAMPS)/venv $(STAMPS)/frontend $(PACKAGE_SOURCES)
	$(PIP) install ".[lab,examples,test]"
	touch $@

lab: $(STAMPS)/install-lab
	$(VENV)/bin/jupyter lab --ServerApp.root_dir=examples $(LAB_FLAGS)

# Debian's chromium for the UI tests (a browser download is not possible here).
browser:
	@if [ ! -x "$(CHROMIUM)" ]; then \
		echo "Installing Debian's chromium for the UI tests"; \
		$(SUDO) apt-get update; \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends chromium; \
	fi
	@test -x "$(CHROMIUM)" || { echo "make test: no Chromium at $(CHROMIUM)" >&2; exit 1; }

# Debian's OpenSSH server for the SFTP remote tests (they start it on loopback as the
# current user, with a configuration and keys of their own).
SSHD ?= /usr/sbin/sshd
sshd:
	@if [ ! -x "$(SSHD)" ]; then \
		echo "Installing Debian's openssh-server for the SFTP remote tests"; \
		$(SUDO) apt-get update; \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends openssh-server; \
	fi
	@test -x "$(SSHD)" || { echo "make test: no OpenSSH server at $(SSHD)" >&2; exit 1; }

# pytest runs last, so its summary closes the output. Exit code 5 means it
# collected no test at all: that is a failure.
test: $(STAMPS)/install-test browser sshd check
	@rc=0; CHROMIUM="$(CHROMIUM)" $(PY) -m pytest tests/ || rc=$$?; \
	if [ $$rc -eq 5 ]; then \
		echo "make test: FAILED: pytest collected no tests" >&2; exit 1; \
	fi; \
	exit $$rc

# The checks that keep the structure: ruff's rules (the banned-api rules keep the core off
# the faces and store/ off remote/), ruff's formatting, mypy (strict on the core), and the
# front end's linters. They run before pytest in `make test`, so CI runs them.
PY_SOURCES := jupyter_mv tests benchmarks
check: $(STAMPS)/install-test lint-frontend
	$(PY) -m ruff check $(PY_SOURCES)
	$(PY) -m ruff format --check $(PY_SOURCES)
	$(PY) -m mypy

# ESLint, Prettier and Stylelint over the front end (labextension/, style/), as the
# JupyterLab extension template configures them: checks only, rewrites nothing (`jlpm lint`
# in the tree applies the fixes). jlpm comes with jupyterlab (jupyter-builder); the package
# scripts call `jlpm` again, hence the venv's bin first on PATH.
JLPM := $(VENV)/bin/jlpm
JLPM_PATH := PATH="$(abspath $(VENV))/bin:$$PATH"
$(STAMPS)/node-modules: package.json yarn.lock $(STAMPS)/venv
	@test -x $(JLPM) || $(PIP) install "jupyter-builder>=1.3"
	$(JLPM_PATH) $(JLPM) install --immutable
	touch $@

lint-frontend: $(STAMPS)/node-modules
	$(JLPM_PATH) $(JLPM) lint:check

# The full comparison: about an hour a run, and about 50 GB free under /tmp at its peak
# (DVC's cache keeps a full copy of every version). DVC installs once into its own
# virtual environment under ~/.cache/jupyter-mv-bench. Not part of `make test`, which
# runs `compare.py --quick` once through tests/benchmarks/.
BENCH_RUNS ?= 1
bench: $(STAMPS)/install-test
	$(PY) benchmarks/compare.py --runs $(BENCH_RUNS)

stress: $(STAMPS)/install-test
	@rc=0; JUPYTER_MV_STRESS=1 $(PY) -m pytest tests/reliability tests/security || rc=$$?; \
	if [ $$rc -eq 5 ]; then \
		echo "make stress: FAILED: pytest collected no tests" >&2; exit 1; \
	fi; \
	exit $$rc

# Mutation testing: not part of `make test`. Each mutant runs only against the tests that
# reach the function it changes; the run is kept in mutants/ (`$(VENV)/bin/mutmut browse`).
$(STAMPS)/install-mutation: $(STAMPS)/install-test
	$(PIP) install ".[mutation]"
	touch $@

mutation: $(STAMPS)/install-mutation
	nice -n 19 $(PY) benchmarks/mutation.py $(MUTATION_ARGS)

clean:
	rm -rf $(STAMPS) jupyter_mv/labextension lib tsconfig.tsbuildinfo build dist tests/output mutants

distclean: clean
	rm -rf $(VENV) node_modules .yarn
