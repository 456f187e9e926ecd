# The README's two commands: `make run` and `make test`. Both work on a fresh machine.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: run test bench validate system-deps clean-data backup restore

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

# A secret per checkout, generated on first use, never committed.
.data/secret_key:
	@mkdir -p .data
	@$(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@
	@chmod 600 $@

# Debian packages the tests need: chromium for the browser tests (never Playwright's own browser download: it fetches a
# browser), GNU gettext for the translation catalogue checks, and a CJK font for the checklist PDF in Chinese.
SYSTEM_PACKAGES := chromium gettext fonts-wqy-microhei
CJK_FONT := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
system-deps:
	@{ command -v chromium && command -v msgfmt && test -f $(CJK_FONT); } >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
	  else \
	    echo "The tests need Debian's packages $(SYSTEM_PACKAGES): install them."; exit 1; \
	  fi; }

run: $(INSTALLED) .data/secret_key
	$(PY) -m trial.launch

test: $(INSTALLED) .data/secret_key system-deps
	$(PY) -m pytest -n 2

# The validation pack (README, *Validation*): installation qualification of the configured system, the tests
# tagged with the requirements of docs/requirements.toml, and the report, stored in the portal and written to
# .data/validation/. Migrates first: on a fresh clone the database is still empty.
validate: $(INSTALLED) .data/secret_key system-deps
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py validate

# Generates (or reuses, by fingerprint) the data set in its own database, measures, prints one table and
# writes bench/results.json. The two scripts it builds on still run alone: bench_eligibility.py, bench_audit.py.
bench: $(INSTALLED) .data/secret_key
	$(PY) bench/run.py

# pg_dump of the configured database into backups/<UTC timestamp>.dump (git-ignored).
backup: $(INSTALLED)
	$(PY) -m trial.backup backup

# make restore FILE=backups/<timestamp>.dump: refuses a database that holds tables unless FORCE=1.
restore: $(INSTALLED)
	@test -n "$(FILE)" || { echo "usage: make restore FILE=backups/<timestamp>.dump [FORCE=1]"; exit 2; }
	$(PY) -m trial.backup restore "$(FILE)" $(if $(filter 1 yes true,$(FORCE)),--force)
