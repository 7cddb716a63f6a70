"""The project's own promises: one dependency list, version from metadata, reproducible sample."""

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import openpyxl
import polars as pl
import pytest
import yaml

import trendkit as tk
from trendkit.synthetic.generate import write_sample

ROOT = Path(__file__).resolve().parent.parent


def _names(specs):
    return {re.split(r"[<>=!~ ]", s, maxsplit=1)[0].lower() for s in specs}


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {d for d in env["dependencies"] if isinstance(d, str)}
    conda |= {d for sub in env["dependencies"] if isinstance(sub, dict) for d in sub.get("pip", [])}
    lab = _names(project["optional-dependencies"]["lab"])
    assert _names(project["dependencies"]) == _names(conda) - {"python", "pip"} - lab
    assert lab <= _names(conda)  # conda users get JupyterLab, the kernel and widgets too
    assert "trendkit[lab]" in project["optional-dependencies"]["dev"]  # make test runs the notebooks with them
    assert any(d.startswith("python>=3.11") for d in conda)


def test_make_lab_opens_jupyterlab_on_the_notebooks():
    res = subprocess.run(["make", "-n", "lab"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert "jupyter lab" in res.stdout and "notebooks" in res.stdout
    version = subprocess.run(
        [str(Path(sys.executable).parent / "jupyter"), "lab", "--version"], capture_output=True, text=True, check=True
    )
    assert int(version.stdout.strip().split(".")[0]) >= 4


def test_version_comes_from_metadata():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert tk.__version__ == project["version"]
    assert project["version"] not in (ROOT / "trendkit" / "__init__.py").read_text()


def _cells(path: Path):
    if path.suffix != ".xlsx":
        return path.read_bytes()
    wb = openpyxl.load_workbook(path)
    return [
        (ws.title, [list(r) for r in ws.iter_rows(values_only=True)], sorted(map(str, ws.merged_cells.ranges)))
        for ws in wb
    ]


def test_committed_sample_is_reproducible(tmp_path):
    fresh = write_sample(tmp_path)
    committed = sorted(p for p in (ROOT / "data" / "sample").iterdir() if p.name != "README.md")
    assert [p.name for p in committed] == sorted(p.name for p in fresh)
    for path in fresh:
        assert _cells(path) == _cells(ROOT / "data" / "sample" / path.name), path.name


def test_committed_sample_is_small_and_labelled():
    files = [p for p in (ROOT / "data" / "sample").iterdir() if p.name not in ("README.md", "truth.json")]
    assert sum(p.stat().st_size for p in (ROOT / "data" / "sample").iterdir()) < 3_000_000
    assert all(p.name.startswith("SYNTHETIC_") for p in files)
    assert "SYNTHETIC" in (ROOT / "data" / "sample" / "README.md").read_text()


def test_sample_loads_as_its_readme_says():
    res = tk.load_cases(ROOT / "data" / "sample")
    assert (res.cases.height, res.rejected.height, res.skipped.height) == (13179, 10, 9)
    readme = (ROOT / "data" / "sample" / "README.md").read_text()
    assert "13,179 accepted, 10 rejected" in readme
    assert res.skipped["kind"].value_counts().sort("kind").rows() == [("blank", 3), ("column_numbers", 3), ("total", 3)]
    assert all("SYNTHETIC" in f for f in res.files["source_file"])


def test_cli_demo_and_load(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "trendkit.cli", "demo"], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert "SYNTHETIC" in out.stdout and "13179 accepted, 10 rejected" in out.stdout
    rej = tmp_path / "rejected.csv"
    out = subprocess.run(
        [sys.executable, "-m", "trendkit.cli", "load", "data/sample", "--rejected", str(rej)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert pl.read_csv(rej).height == 10
    bad = subprocess.run(
        [sys.executable, "-m", "trendkit.cli", "load", str(tmp_path / "nope.xlsx")], capture_output=True, text=True
    )
    assert (
        bad.returncode == 2
        and bad.stderr.strip().endswith("nope.xlsx: không tìm thấy tệp / file not found")
        and "Traceback" not in bad.stderr
    )


@pytest.mark.slow
def test_a_wheel_installed_in_a_fresh_venv_demos_on_its_own_sample(tmp_path):
    """``pip install trendkit`` into a fresh venv, then its ``trendkit demo`` command: no data/ beside the
    package, so the demo generates the SYNTHETIC sample into ./trendkit_demo (never into site-packages)
    and reports on it. The venv is new and the wheel is installed by its own pip; its dependencies are
    borrowed from the test environment through a .pth line (the same versions; no network needed),
    which does not activate the checkout's editable install."""
    import sysconfig
    import venv

    wheels, env_dir, work = tmp_path / "wheels", tmp_path / "venv", tmp_path / "work"
    pip = ["-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([sys.executable, *pip, "wheel", "--no-deps", "-w", str(wheels), str(ROOT)], check=True,
                   capture_output=True)  # fmt: skip
    wheel = next(wheels.glob("trendkit-*.whl"))
    venv.create(env_dir, with_pip=True)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / ("python.exe" if os.name == "nt" else "python")
    subprocess.run([str(python), *pip, "install", "--no-deps", str(wheel)], check=True, capture_output=True)
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                               capture_output=True, text=True, check=True).stdout.strip())  # fmt: skip
    (site / "borrowed_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    where = subprocess.run([str(python), "-c", "import trendkit; print(trendkit.__file__)"], env=env, cwd=work,
                           capture_output=True, text=True, check=True).stdout  # fmt: skip
    assert where.startswith(str(site))  # the installed copy, not the checkout
    command = bindir / ("trendkit.exe" if os.name == "nt" else "trendkit")
    res = subprocess.run([str(command), "demo"], env=env, cwd=work, capture_output=True, text=True,
                         timeout=600)  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "SYNTHETIC" in res.stdout and "13179 accepted, 10 rejected" in res.stdout
    assert (work / "trendkit_demo" / "sample" / "truth.json").is_file()
    assert (work / "trendkit_demo" / "report" / "index.html").is_file()
    assert not (site / "maps").exists() and not (site / "data").exists()
