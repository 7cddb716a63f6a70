"""The documentation site builds with warnings as errors (``make docs``), bilingual, offline, with the
API reference drawn from the docstrings."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: What would make a browser fetch something from the internet.
EXTERNAL = re.compile(r"""<script[^>]*\bsrc=["']https?://|<link[^>]*\bhref=["']https?://|url\(["']?https?://|@import""")


def test_the_site_builds_strict_and_offline(tmp_path):
    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    # never -q: mkdocs counts the warnings it logs, and quiet logging hides them from --strict
    res = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert res.returncode == 0 and "WARNING" not in res.stderr, res.stderr[-2000:]
    pages = {p.relative_to(site).as_posix() for p in site.rglob("*.html")}
    assert {"index.html", "install.html", "questions.html", "report.html", "api/models.html"} <= pages
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "Buôn lậu dịch chuyển đi đâu khi bị siết?" in index and "Where does smuggling go" in index
    models = (site / "api" / "models.html").read_text(encoding="utf-8")
    assert "displacement_study" in models and "One verdict" in models  # the docstring itself
    found = [f"{p.name}: {m.group(0)}" for p in site.rglob("*") if p.suffix in (".html", ".css")
             for m in EXTERNAL.finditer(p.read_text(encoding="utf-8", errors="replace"))]  # fmt: skip
    assert found == []
