# trendkit — `make demo` and `make test` set everything up on a machine with only python3.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# test workers: one per core (CI has 2), stealing tests from each other so neither sits idle; each model
# call uses one BLAS thread, so they do not fight
TEST_JOBS ?= auto

.PHONY: demo test lab notebooks docs bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/trendkit demo

test: $(STAMP)
	$(VENV)/bin/ruff check trendkit tests benchmarks scripts
	$(VENV)/bin/ruff format --check trendkit tests benchmarks scripts
	$(PY) -m pytest -n $(TEST_JOBS) --dist worksteal

# as root (a container), Jupyter refuses to start unless told it may
lab: $(STAMP)
	$(VENV)/bin/jupyter lab notebooks/ $$([ "$$(id -u)" = 0 ] && echo --allow-root)

notebooks: $(STAMP)
	$(VENV)/bin/jupyter nbconvert --to html --execute --template offline \
		--TemplateExporter.extra_template_basedirs=notebooks/templates notebooks/*.ipynb --output-dir maps/notebooks
	@echo "executed copies (open offline): maps/notebooks/*.html"

# the documentation site (mkdocs-material + mkdocstrings), offline, warnings as errors
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict
	@echo "documentation: site/index.html"

bench: $(STAMP)
	$(PY) benchmarks/bench_load.py --big-rows 10000000
	$(PY) benchmarks/bench_models.py
	$(PY) benchmarks/bench_maps.py
	$(PY) benchmarks/bench_notebooks.py
	$(PY) benchmarks/bench_report.py --rows 1000000 5000000

clean:
	rm -rf $(VENV) .pytest_cache
