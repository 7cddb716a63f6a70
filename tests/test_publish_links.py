"""Nothing trendkit writes goes through a link someone planted beside ``--out`` (think of a root cron
job writing into /tmp), and ``--out`` is compared with the inputs after links and ``..`` are resolved."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from trendkit.errors import TrendkitInputError
from trendkit.report import publish


def _victim(tmp_path: Path) -> Path:
    victim = tmp_path / "precious.txt"
    victim.write_text("keep me\n", encoding="utf-8")
    return victim


def test_a_planted_lock_link_is_refused_and_its_target_untouched(tmp_path):
    victim = _victim(tmp_path)
    out = tmp_path / "report"
    (tmp_path / ".report.lock").symlink_to(victim)
    with pytest.raises(TrendkitInputError, match=r"\.report\.lock is a link"):
        publish.refuse_unsafe_out(out, [])
    with pytest.raises(TrendkitInputError, match="lock"), publish.lock(out):
        pass
    assert victim.read_text(encoding="utf-8") == "keep me\n"


def test_a_planted_history_link_is_refused_and_nothing_is_written_through_it(tmp_path):
    user = tmp_path / "user"
    user.mkdir()
    out = tmp_path / "report"
    publish.history_dir(out).symlink_to(user)
    with pytest.raises(TrendkitInputError, match=r"\.report\.reports is a link"):
        publish.refuse_unsafe_out(out, [])
    with pytest.raises(TrendkitInputError, match=r"\.report\.reports is a link"):
        publish.new_build(out)
    assert list(user.iterdir()) == []


@pytest.mark.parametrize("way", ["link", "dotdot"])
def test_out_inside_the_inputs_is_refused_however_it_is_spelled(tmp_path, way):
    cases = tmp_path / "cases"
    cases.mkdir()
    if way == "link":
        (tmp_path / "alias").symlink_to(cases)
        out = tmp_path / "alias" / "report"
    else:
        out = cases / ".." / "cases" / "report"
    with pytest.raises(TrendkitInputError, match="inside the input"):
        publish.refuse_unsafe_out(out, [cases])


def test_pruning_never_removes_a_folder_without_the_marker(tmp_path):
    out = tmp_path / "report"
    home = publish.history_dir(out)
    home.mkdir()
    stranger = home / "20200101T000000-1"
    stranger.mkdir()
    (stranger / "index.html").write_text("mine", encoding="utf-8")
    (stranger / "summary.json").write_text("{}", encoding="utf-8")
    for _ in range(2):
        publish.publish(publish.new_build(out), out, keep=1)
    assert (stranger / "index.html").read_text(encoding="utf-8") == "mine"
    assert sum((p / publish.MARKER).is_file() for p in home.iterdir()) == 1


def test_the_lock_opens_without_following_links_where_the_system_can(tmp_path):
    out = tmp_path / "report"
    with publish.lock(out):
        lock = tmp_path / ".report.lock"
        assert lock.is_file() and not lock.is_symlink()
        assert f"pid {os.getpid()}" in lock.read_text(encoding="utf-8")


@pytest.mark.parametrize("swap", [True, False])
def test_the_first_swap_into_an_empty_folder(tmp_path, monkeypatch, swap):
    """With an atomic swap (Linux), a kill right after it still leaves OUT as the new report; without
    one (simulated, as on Windows or an odd file system) the folder is replaced in two steps."""
    out = tmp_path / "report"
    out.mkdir()
    if not swap:
        monkeypatch.setattr(publish, "_exchange", lambda a, b: False)
    build = publish.new_build(out)
    (build / "index.html").write_text("new", encoding="utf-8")
    real = Path.rmdir

    def killed(self):  # the old empty folder goes, then the run is killed
        real(self)
        raise KeyboardInterrupt

    monkeypatch.setattr(Path, "rmdir", killed)
    with pytest.raises(KeyboardInterrupt):
        publish.publish(build, out)
    if swap:
        assert out.is_symlink() and (out / "index.html").read_text(encoding="utf-8") == "new"
    else:
        assert not out.exists()  # the window an atomic swap closes
