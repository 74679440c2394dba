# make install | run | test | lint | bench | i18n | clean
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SMSREMIND := $(abspath $(BIN))/smsremind

# The demo replays a Thursday-evening import of examples/appointments.csv and
# Friday's cron runs, so reminders for Monday's visits land in demo/outbox.jsonl;
# then two patients answer (demo/inbox.jsonl) and Saturday's first run takes the answers in.
DEMO ?= demo
DEMO_IMPORT_AT ?= 2026-11-26 18:00
DEMO_DAY ?= 2026-11-27
# The language of what the demo prints: `make run UI_LANGUAGE=pl` (or cs, en); empty = the locale.
UI_LANGUAGE ?=
UI_ENV := $(if $(filter pl,$(UI_LANGUAGE)),LC_ALL=pl_PL.UTF-8,$(if $(filter cs,$(UI_LANGUAGE)),LC_ALL=cs_CZ.UTF-8,$(if $(filter en,$(UI_LANGUAGE)),LC_ALL=C.UTF-8,)))

.PHONY: install run test lint bench i18n clean

# Translations: smsremind/locale/<lang>/LC_MESSAGES/smsremind.po are kept in git; `make i18n`
# extracts the marked strings, merges them into the catalogs and compiles the .mo files.
LOCALES := pl cs
CATALOG = smsremind/locale/$(1)/LC_MESSAGES/smsremind
POT := build/smsremind.pot
MO := $(foreach l,$(LOCALES),$(call CATALOG,$(l)).mo)


$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,dev]'
	touch $@

# The package's bytecode, written once here as pip does for a wheel: the editable install
# would otherwise compile every module on each cron start wherever PYTHONDONTWRITEBYTECODE
# is set or cron's user cannot write the tree (~0.2 s of CPU per command).
install: $(VENV)/.installed $(MO)
	$(BIN)/python -m compileall -q smsremind

%.mo: %.po $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -D smsremind -l $(word 3,$(subst /, ,$<)) -i $< -o $@

i18n: $(VENV)/.installed
	mkdir -p build
	$(BIN)/pybabel --quiet extract --no-location --sort-output --omit-header -k N_ -k ngettext:1,2 \
	  -o $(POT) smsremind
	$(foreach l,$(LOCALES),$(BIN)/pybabel --quiet update --no-fuzzy-matching --ignore-obsolete \
	  -D smsremind -i $(POT) -o $(call CATALOG,$(l)).po -l $(l);)
	# no dates in the catalogs' headers: they would change on every run and conflict in merges
	sed -i.bak '/^"POT-Creation-Date:/d; /^"PO-Revision-Date:/d' $(foreach l,$(LOCALES),$(call CATALOG,$(l)).po)
	rm -f $(foreach l,$(LOCALES),$(call CATALOG,$(l)).po.bak)
	$(MAKE) --no-print-directory $(MO)

run: install
	rm -rf $(DEMO) && mkdir -p $(DEMO)
	cd $(DEMO) && $(UI_ENV) $(SMSREMIND) init
	# the master switch and [replies] enabled both start as `enabled = false`
	sed -i.bak -e 's/^enabled = false /enabled = true  /' \
	  -e 's/^ui_language = ""  /ui_language = "$(UI_LANGUAGE)"/' $(DEMO)/smsremind.toml && rm -f $(DEMO)/smsremind.toml.bak
	@echo "--- $(DEMO_IMPORT_AT): import"
	cd $(DEMO) && $(SMSREMIND) --now "$(DEMO_IMPORT_AT)" import ../examples/appointments.csv
	@echo "--- $(DEMO_IMPORT_AT): preview --date $(DEMO_DAY)"
	cd $(DEMO) && $(SMSREMIND) --now "$(DEMO_IMPORT_AT)" preview --date $(DEMO_DAY)
	@echo "--- $(DEMO_DAY) 12:00 and 20:00: run (cron)"
	cd $(DEMO) && $(SMSREMIND) --now "$(DEMO_DAY) 12:00" run
	cd $(DEMO) && $(SMSREMIND) --now "$(DEMO_DAY) 20:00" run
	@echo "--- $(DEMO)/outbox.jsonl: $$(wc -l < $(DEMO)/outbox.jsonl) SMS; status, quota"
	cd $(DEMO) && $(SMSREMIND) --now "$(DEMO_DAY) 20:05" status
	cd $(DEMO) && $(SMSREMIND) --now "$(DEMO_DAY) 20:05" quota
	@echo "--- $(DEMO)/inbox.jsonl: TAK, NIE"
	$(BIN)/python -c 'import json; sent = [json.loads(l) for l in open("$(DEMO)/outbox.jsonl")][:2]; \
	  print("\n".join(json.dumps({"from": m["to"], "text": t, "received_at": "$(DEMO_DAY)T20:3" + str(i) + ":00+01:00"}, ensure_ascii=False) \
	  for i, (m, t) in enumerate(zip(sent, ["Tak, dziękuję!", "NIE"]))))' > $(DEMO)/inbox.jsonl
	cat $(DEMO)/inbox.jsonl
	cd $(DEMO) && $(SMSREMIND) --now "$(DEMO_DAY) 20:40" run
	cd $(DEMO) && $(SMSREMIND) --now "$(DEMO_DAY) 20:45" replies
	@echo "--- $(DEMO)/replies.csv"
	cat $(DEMO)/replies.csv

test: install
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check smsremind tests bench
	$(BIN)/ruff format --check smsremind tests bench
	$(BIN)/mypy smsremind

bench: install
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) $(DEMO) build *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis bench/out
