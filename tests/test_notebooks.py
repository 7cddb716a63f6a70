"""Every notebook is stored without outputs, seeds itself first, and runs top to bottom on the sample."""

import html
import os
import re
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))
#: The template `make notebooks` exports with: the lab template without what it would fetch.
TEMPLATES = NOTEBOOKS[0].parent / "templates"


def test_the_notebooks_exist():
    assert [p.stem for p in NOTEBOOKS] == [
        "01_load_and_check",
        "02_route_maps",
        "03_displacement",
        "04_forecast_and_alerts",
        "05_explorer",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_stored_clean_seeded_and_labelled(path):
    book = nbformat.read(path, as_version=4)
    code = [c for c in book.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert "seed" in code[0].source
    assert "SYNTHETIC" in book.cells[0].source
    assert len(book.cells) <= 25  # short: the logic lives in trendkit/


#: Run first in each notebook's kernel: any connection beyond this machine fails, as on an offline office PC.
NO_NETWORK = """
import socket as _socket
_connect = _socket.socket.connect
def _local_only(self, address):
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and not host.startswith(("127.", "::1", "localhost", "/")):
        raise OSError(f"network blocked in this test: {address}")
    return _connect(self, address)
_socket.socket.connect = _local_only
"""

#: Outputs that would make a browser fetch something from the internet.
EXTERNAL = re.compile(r"""<script[^>]*\bsrc=["']https?://|<link[^>]*\bhref=["']https?://|url\(["']?https?://|@import""")


def _texts(book):
    for cell in book.cells:
        for out in cell.get("outputs", []):
            for value in out.get("data", {}).values():
                yield html.unescape(value if isinstance(value, str) else "".join(value))
            if "text" in out:
                yield out["text"]


@pytest.mark.notebook
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_runs_top_to_bottom_offline(path):
    from nbclient import NotebookClient

    book = nbformat.read(path, as_version=4)
    book.cells.insert(0, nbformat.v4.new_code_cell(NO_NETWORK))
    where = {"metadata": {"path": str(path.parent)}}
    client = NotebookClient(book, timeout=600, kernel_name="python3", resources=where, km=_kernel_manager())
    client.execute()
    errors = [o for c in book.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == []
    found = [m.group(0) for text in _texts(book) for m in EXTERNAL.finditer(text)]
    assert found == [], found  # nothing in any output loads from the internet
    page = _offline_html(book)  # the executed copy `make notebooks` writes
    assert EXTERNAL.findall(page) == [] and "SYNTHETIC" in page
    if path.stem == "02_route_maps":
        maps = [t for t in _texts(book) if 'title="trendkit map"' in t]
        assert len(maps) >= 3 and all("L.map(" in m for m in maps)  # Leaflet is inside the output itself
    if path.stem != "05_explorer":
        assert not any("print(" in c.source and ".summary()" in c.source for c in book.cells)  # rich output, not print


def _kernel_manager():
    """A kernel on Unix sockets in a folder of its own (POSIX), not on TCP ports: two test workers
    starting kernels at once could pick the same free port, and one run waited 10 minutes on a
    kernel that had finished (05_explorer, 605 s). Windows has no IPC transport: TCP there."""
    import tempfile

    from jupyter_client import KernelManager

    if os.name != "posix":
        return KernelManager(kernel_name="python3")
    return KernelManager(kernel_name="python3", transport="ipc", ip=os.path.join(tempfile.mkdtemp(prefix="k"), "k"))


def _offline_html(book) -> str:
    from nbconvert import HTMLExporter

    return HTMLExporter(template_name="offline", extra_template_basedirs=[str(TEMPLATES)]).from_notebook_node(book)[0]


def test_the_offline_template_drops_what_the_lab_template_fetches():
    from nbconvert import HTMLExporter

    book = nbformat.read(NOTEBOOKS[0], as_version=4)
    assert EXTERNAL.search(HTMLExporter(template_name="lab").from_notebook_node(book)[0])  # require.js, MathJax
    assert not EXTERNAL.search(_offline_html(book))


def test_the_external_url_check_can_fail():
    assert EXTERNAL.search('<script src="https://cdn.jsdelivr.net/npm/leaflet.js"></script>')
    assert not EXTERNAL.search("<script>var a = 'https://leafletjs.com';</script>")
