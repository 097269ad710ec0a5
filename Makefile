# The two commands of the README: `make run` and `make test`. Everything they need is
# installed from here (Python packages, npm packages, Debian packages), so a fresh clone works.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export DIGITOETS_INSTANCE_PATH ?= $(CURDIR)/instance

.PHONY: run test lint audit install npm system-packages migrate content clean translations

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# The English catalogue: texts are written in Dutch (the msgids); service/translations/en holds
# the English. The .mo is compiled here, never committed, so `make run` and `make test` always
# serve the .po as it is now.
MESSAGES := service/translations
PO := $(MESSAGES)/en/LC_MESSAGES/messages.po
MO := $(MESSAGES)/en/LC_MESSAGES/messages.mo
# ngettext (plurals) is one of Babel's default keywords; flask_babel's lazy_ngettext is not.
BABEL_KEYWORDS := -k _l -k lazy_gettext -k N_ -k lazy_ngettext:1,2

$(MO): $(PO) $(BIN)/.installed
	$(BIN)/pybabel compile --statistics -l en -i $(PO) -o $@

install: $(BIN)/.installed $(MO)

# After adding or changing a text: extract every _()/_l()/N_() text into the .pot, merge it into
# the English .po (new texts come in empty, never guessed), then translate and `make install`.
translations: $(BIN)/.installed
	@mkdir -p $(MESSAGES)
	$(BIN)/pybabel --quiet extract -F babel.cfg $(BABEL_KEYWORDS) --sort-by-file --add-location=file \
	  --project=Digitoets -o $(MESSAGES)/messages.pot .
	$(BIN)/pybabel update -i $(MESSAGES)/messages.pot -d $(MESSAGES) -l en --init-missing \
	  --no-fuzzy-matching --ignore-obsolete --ignore-pot-creation-date

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

npm: node_modules/.installed

# Debian's chromium drives the browser tests (Playwright uses it; it downloads no browser).
system-packages:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@# Redis: the rate-limit test starts a redis-server of its own (shared counters across workers)
	@command -v redis-server >/dev/null 2>&1 || { \
	  echo "Installing Debian's redis-server for the rate-limit tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }
	@# nginx: tests/integration/deploy/test_deploy_proxy.py runs deploy/nginx/digitoets.conf in front of the app
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || { \
	  echo "Installing Debian's nginx-light for the reverse-proxy test"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null; }
	@# promtool (Debian's prometheus): tests/integration/deploy/test_deploy_alerts.py checks and runs deploy/alerts.yaml
	@command -v promtool >/dev/null 2>&1 || { \
	  echo "Installing Debian's prometheus (promtool) for the alert-rule tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null; }

migrate: install
	DIGITOETS_ENV=development $(BIN)/digitoets db upgrade

content: migrate
	DIGITOETS_ENV=development $(BIN)/digitoets content load
	DIGITOETS_ENV=development $(BIN)/digitoets demo seed

run: install npm content
	HOST=$(HOST) PORT=$(PORT) deploy/run-dev.sh

lint: install
	$(BIN)/ruff check .

# Known advisories on the installed packages (pip-audit, where its advisory source answers; it
# says plainly when it does not) and bandit's static checks. bandit-baseline.json holds the
# findings reviewed as no risk, each with its reason; anything new fails the build.
audit: install
	$(BIN)/python tools/dependency_audit.py
	$(BIN)/bandit -q -r service lti xapi mappings tools deploy -b bandit-baseline.json

# Two pytest workers (pytest-xdist), one file at a time each, so module fixtures are built once.
test: install npm system-packages lint audit
	$(BIN)/pytest -n 2 --dist loadfile

clean:
	rm -rf $(VENV) node_modules instance .pytest_cache .hypothesis
