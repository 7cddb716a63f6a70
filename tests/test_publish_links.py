"""Nothing trendkit writes goes through a link someone planted beside ``--out`` (think of a root cron
job writing into /tmp), and ``--out`` is compared with the inputs after links and ``..`` are resolved."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import types
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


def _fake_msvcrt() -> types.ModuleType:
    """A stand-in for Windows' msvcrt: one non-blocking byte lock per file, refused when already held."""
    held: set[tuple[int, int]] = set()
    fake = types.ModuleType("msvcrt")
    fake.LK_NBLCK, fake.LK_UNLCK = 2, 0

    def locking(fd: int, mode: int, nbytes: int) -> None:
        st = os.fstat(fd)
        key = (st.st_dev, st.st_ino)
        if mode == fake.LK_NBLCK:
            if key in held:
                raise OSError(36, "Resource deadlock avoided")
            held.add(key)
        else:
            held.discard(key)

    fake.locking = locking
    return fake


def test_the_lock_works_without_fcntl_as_on_windows(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "fcntl", None)  # 'import fcntl' raises ImportError, as on Windows
    monkeypatch.setitem(sys.modules, "msvcrt", _fake_msvcrt())
    out = tmp_path / "report"
    with publish.lock(out):
        assert f"pid {os.getpid()}" in (tmp_path / ".report.lock").read_text(encoding="utf-8")
        with pytest.raises(TrendkitInputError, match="another trendkit report"), publish.lock(out):
            pass
    with publish.lock(out):  # released
        pass


def test_no_trendkit_module_imports_a_posix_only_module_at_the_top():
    posix_only = {"fcntl", "termios", "pwd", "grp", "resource", "posix"}
    package = Path(publish.__file__).resolve().parent.parent
    found = []
    for path in package.rglob("*.py"):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:  # module level only
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            names += [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
            found += [f"{path.name}: {n}" for n in names if n.split(".")[0] in posix_only]
    assert not found, found
    code = "import sys; sys.modules['fcntl'] = None; import trendkit.cli, trendkit.report.publish"
    subprocess.run([sys.executable, "-c", code], check=True)


# --- where links need rights the run lacks (Windows without Developer Mode) ---------------------------


def _no_links(monkeypatch) -> None:
    def refused(self, target, target_is_directory=False):
        raise OSError(1314, "A required privilege is not held by the client")  # WinError 1314

    monkeypatch.setattr(Path, "symlink_to", refused)


def _publish(out: Path, text: str) -> Path:
    build = publish.new_build(out)
    (build / "index.html").write_text(text, encoding="utf-8")
    return publish.publish(build, out, keep=3)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".new-" in p.name or ".old-" in p.name or ".link-" in p.name)


def test_without_links_out_is_a_copy_of_the_newest_report_swapped_in(tmp_path, monkeypatch):
    _no_links(monkeypatch)
    out = tmp_path / "report"
    first = _publish(out, "one")
    assert out.is_dir() and not out.is_symlink() and (out / publish.MARKER).is_file()
    assert (out / "index.html").read_text(encoding="utf-8") == "one"
    publish.refuse_unsafe_out(out, [])  # trendkit's own copy: the next run may replace it
    second = _publish(out, "two")
    assert (out / "index.html").read_text(encoding="utf-8") == "two" and _leftovers(tmp_path) == []
    assert (first / "index.html").is_file() and (second / "index.html").is_file()  # the history keeps both


def test_without_links_an_old_report_held_open_stays_whole(tmp_path, monkeypatch):
    _no_links(monkeypatch)
    out = tmp_path / "report"
    _publish(out, "one")
    real = Path.rename

    def in_use(self, target):
        if self == out:
            raise PermissionError(32, "The process cannot access the file because it is being used")
        return real(self, target)

    monkeypatch.setattr(Path, "rename", in_use)
    with pytest.raises(TrendkitInputError, match=r"could not be replaced.*is a file in it open") as caught:
        _publish(out, "two")
    assert (out / "index.html").read_text(encoding="utf-8") == "one" and _leftovers(tmp_path) == []
    assert "\n" not in str(caught.value)


def test_without_links_a_run_killed_between_the_renames_is_mended_by_the_next(tmp_path, monkeypatch):
    _no_links(monkeypatch)
    out = tmp_path / "report"
    _publish(out, "one")
    real = Path.rename

    def killed(self, target):
        real(self, target)
        if self == out:  # the old report moved aside, the new copy not yet in place
            raise KeyboardInterrupt

    monkeypatch.setattr(Path, "rename", killed)
    with pytest.raises(KeyboardInterrupt):
        _publish(out, "two")
    monkeypatch.setattr(Path, "rename", real)
    assert not out.exists() and _leftovers(tmp_path)  # the window the two renames leave
    _publish(out, "three")
    assert (out / "index.html").read_text(encoding="utf-8") == "three" and _leftovers(tmp_path) == []


def test_the_whole_report_publishes_as_on_windows(tmp_path, monkeypatch):
    from trendkit.report import run_report

    _no_links(monkeypatch)
    monkeypatch.setitem(sys.modules, "fcntl", None)  # and the lock through msvcrt
    monkeypatch.setitem(sys.modules, "msvcrt", _fake_msvcrt())
    sample = Path(__file__).resolve().parent.parent / "data" / "sample" / "SYNTHETIC_bao_cao_2025-12.xlsx"
    out = tmp_path / "r"
    for _ in range(2):
        run_report([sample], out)
    assert out.is_dir() and not out.is_symlink() and (out / "index.html").is_file()
    assert (out / "summary.json").is_file() and _leftovers(tmp_path) == []


def test_a_failed_run_leaves_nothing_beside_out(tmp_path):
    from trendkit.report import run_report

    bad = tmp_path / "in" / "cases.csv"
    bad.parent.mkdir()
    bad.write_text("nothing;that;looks;like;cases\n1;2;3;4;5\n", encoding="utf-8")
    out = tmp_path / "r"
    with pytest.raises(TrendkitInputError):
        run_report([bad], out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in"]  # no lock, no history, no build folder


def test_the_lock_file_goes_when_the_run_ends_and_a_removed_one_is_never_held(tmp_path, monkeypatch):
    out = tmp_path / "report"
    path = tmp_path / ".report.lock"
    with publish.lock(out):
        assert path.is_file()
    assert not path.exists()  # success or failure: nothing left
    real, calls = publish._acquire, []

    def raced(fh):  # another run ends and removes the file between this run's open and its lock
        calls.append(fh.fileno())
        if len(calls) == 1:
            path.unlink()
        return real(fh)

    monkeypatch.setattr(publish, "_acquire", raced)
    with publish.lock(out):
        assert len(calls) == 2 and path.is_file()  # it opened the file the name now leads to
        assert f"pid {os.getpid()}" in path.read_text(encoding="utf-8")


def test_without_links_a_folder_of_yours_under_trendkits_temporary_name_is_never_removed(tmp_path, monkeypatch):
    _no_links(monkeypatch)
    out = tmp_path / "report"
    mine = tmp_path / f".report.new-{os.getpid()}"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(TrendkitInputError, match="was not made by trendkit"):
        _publish(out, "one")
    assert (mine / "notes.txt").read_text(encoding="utf-8") == "mine"
