"""Publishing a report folder safely: only where trendkit owns it, atomically, one run at a time.

``--out DIR`` is a symbolic link that trendkit owns, pointing at the newest complete report in the
history folder beside it::

    DIR -> .DIR.reports/20251202T060000-1234/     (the report a reader opens)
    .DIR.reports/20251102T060000-987/             (the previous ones, up to ``keep``)
    .DIR.reports/.building-20251202T060000-1234/  (while a run writes; renamed when complete)
    .DIR.lock                                     (held while a run works on DIR)

Each report folder carries the marker file :data:`MARKER`. The link is switched with one
``rename``, so at every instant ``DIR`` is a complete report (the old one or the new one); a
killed run leaves only a ``.building-*`` folder, which the next run removes. Where a link needs
rights the run lacks (Windows without Developer Mode), ``DIR`` is instead a copy of the newest
report swapped in by two renames, with a window of a few milliseconds in which it does not exist
(:func:`_swap_in_copy`); chosen at run time, when the link cannot be made. trendkit refuses
(with :class:`~trendkit.errors.TrendkitInputError`, touching nothing) an ``--out`` that is a
file, a folder it did not make, a link it did not make, or a path that is, or contains, an input.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import glob
import os
import shutil
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

from trendkit.errors import TrendkitInputError

__all__ = ["MARKER", "abandon", "forget_build", "history_dir", "lock", "new_build", "publish", "refuse_unsafe_out"]

#: The file that marks a folder as a trendkit report (so trendkit may replace it). A folder without it
#: is never taken over, whatever it holds; an empty folder is (it holds nothing to lose).
MARKER = ".trendkit-report"


#: What this process made and has not finished: its lock file and its half-built report folder, removed
#: by :func:`abandon` when the run is stopped from outside its own flow (``--timeout``).
_UNFINISHED: dict[Path, bool] = {}  # path -> is a folder


def abandon() -> None:
    """Remove what this run made and has not finished — its half-built report folder (and the history
    folder, if that leaves it empty) and its lock file — so a run stopped by ``--timeout`` leaves
    nothing behind. Only paths this process created are touched; errors are ignored (the next run
    removes any remains)."""
    for path, folder in list(_UNFINISHED.items()):
        if folder:
            forget_build(path)
        else:
            with contextlib.suppress(OSError):
                path.unlink()
    _UNFINISHED.clear()


def history_dir(out: Path) -> Path:
    """The folder beside ``out`` that holds its report folders."""
    return out.parent / f".{out.name}.reports"


def _is_report(folder: Path) -> bool:
    marker = folder / MARKER
    return not folder.is_symlink() and marker.is_file() and not marker.is_symlink()


def _never_replaced(target: Path) -> set[Path]:
    """Folders trendkit never takes over, empty or not: the user's home and the root of the drive."""
    places = {Path(target.anchor)}
    with contextlib.suppress(RuntimeError, KeyError, OSError):  # no home known (a bare cron environment)
        places.add(Path.home().resolve())
    return places


def _refuse_links(out: Path) -> None:
    """trendkit's own paths beside ``out`` (history, lock) must be what trendkit made, never links
    someone planted (in a shared folder such as /tmp, a link would send a root job's writes anywhere)."""
    for own in (history_dir(out), out.parent / f".{out.name}.lock"):
        if own.is_symlink():
            raise TrendkitInputError(
                f"--out {out}: {own.name} là liên kết, trendkit không ghi qua / {own.name} is a link, which trendkit "
                "never makes; remove it or choose another "
                "path, nothing was changed"
            )


def refuse_unsafe_out(out: Path, inputs: Sequence[Path]) -> None:
    """Raise :class:`TrendkitInputError` unless trendkit may write its report at ``out``.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp()); (d / "thesis.docx").write_text("mine")
    4
    >>> try:
    ...     refuse_unsafe_out(d, [])
    ... except TrendkitInputError as exc:
    ...     print(str(exc).split(": ", 1)[1].split(";")[0])
    thư mục đã có và không do trendkit tạo / the folder exists and was not made by trendkit (it holds thesis.docx)
    """
    try:
        out.lstat()
    except FileNotFoundError:
        pass
    except OSError as exc:  # a name too long, a parent without permission
        raise TrendkitInputError(
            f"--out {str(out)[:200]}: không dùng được / cannot be used ({exc.strerror}); nothing was changed"
        ) from None
    _refuse_links(out)
    target = out.resolve()
    if target in _never_replaced(target):
        raise TrendkitInputError(
            f"--out {out}: không bao giờ thay thư mục nhà hay gốc ổ đĩa / a home folder or the root of a drive is "
            "never replaced, even when empty; choose a "
            "folder inside it, nothing was changed"
        )
    for item in inputs:
        src = Path(item).resolve()
        if target == src or src.is_relative_to(target) or target.is_relative_to(src):
            raise TrendkitInputError(
                f"--out {out}: trùng, chứa hoặc nằm trong dữ liệu vào / it is, contains or lies inside the input "
                f"{item}; choose a folder outside the "
                "inputs, nothing was changed"
            )
    if out.is_symlink():
        link = Path(os.readlink(out))
        home = history_dir(out)
        target = out.parent / link
        ours = target.parent.resolve() == home.resolve() and (not target.exists() or (target / MARKER).is_file())
        if not ours:  # (a link into our history whose report was deleted by hand is still ours)
            raise TrendkitInputError(
                f"--out {out}: liên kết không do trendkit tạo / a link trendkit did not make (to {link}); choose "
                "another path, nothing was changed"
            )
    elif out.is_file():
        raise TrendkitInputError(
            f"--out {out}: đây là tệp, không phải thư mục báo cáo / this is a file, not a report folder; nothing was "
            "changed"
        )
    elif out.is_dir():
        entries = sorted(e.name for e in out.iterdir())
        if entries and not _is_report(out):
            shown = ", ".join(entries[:3]) + (", …" if len(entries) > 3 else "")
            raise TrendkitInputError(
                f"--out {out}: thư mục đã có và không do trendkit tạo / the folder exists and was not made by "
                f"trendkit (it holds {shown}); "
                "choose a new or empty folder, nothing was changed"
            )
    elif out.exists():
        raise TrendkitInputError(f"--out {out}: không phải thư mục / not a folder; nothing was changed")


@contextlib.contextmanager
def lock(out: Path) -> Iterator[None]:
    """Hold ``.OUT.lock`` beside ``out`` while a run works on it; a second run exits with a clear message.

    The file is removed when the run ends, however it ends, so a failed run leaves nothing behind
    (on Windows an open file cannot be removed: it stays, empty). A run that opened the file just as
    another removed it would hold a lock on a file nobody sees: it checks, after locking, that the
    name still leads to the file it locked, and otherwise opens the new one.
    """
    path = out.parent / f".{out.name}.lock"
    for _ in range(3):
        fh = _open_lock(path, out)
        if not _acquire(fh):
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            fh.close()
            raise TrendkitInputError(
                f"--out {out}: một báo cáo khác đang được ghi vào đây / another trendkit report is being written "
                f"there ({holder}); try again when it ends"
            )
        if _still_named(fh, path):
            break
        fh.close()  # a finished run removed it between our open and our lock
    else:
        raise TrendkitInputError(
            f"--out {out}: một báo cáo khác đang được ghi vào đây / another trendkit report is being written there; "
            "try again when it ends"
        )
    with fh:
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}\n")
        fh.flush()
        _UNFINISHED[path] = False
        try:
            yield
        finally:
            _UNFINISHED.pop(path, None)
            fh.seek(0)
            fh.truncate()
            with contextlib.suppress(OSError):  # Windows: an open file stays
                path.unlink()
            _release(fh)


def _open_lock(path: Path, out: Path) -> IO[str]:
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)  # never through a link (Windows has none)
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as exc:
        raise TrendkitInputError(
            f"--out {out}: không mở được tệp khóa / cannot open its lock file {path.name} ({exc.strerror}); is it a "
            "link? nothing was changed"
        ) from None
    return os.fdopen(fd, "r+")


def _still_named(fh: IO[str], path: Path) -> bool:
    """Whether ``path`` still names the open file ``fh`` (not removed, not replaced)."""
    try:
        named = path.lstat()
    except FileNotFoundError:
        return False
    mine = os.fstat(fh.fileno())
    return (named.st_dev, named.st_ino) == (mine.st_dev, mine.st_ino)


#: Where a Windows lock sits: one byte far past the holder's line, which stays readable.
_LOCK_BYTE = 1 << 20


def _acquire(fh: IO[str]) -> bool:
    """Take the run's lock without waiting: ``flock`` on POSIX, ``msvcrt.locking`` on Windows (both end
    with the process, however it ends). False when another process holds it."""
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        fh.seek(_LOCK_BYTE)
        try:
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _release(fh: IO[str]) -> None:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        fh.seek(_LOCK_BYTE)
        msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)
        return
    fcntl.flock(fh, fcntl.LOCK_UN)


def _mode(out: Path) -> int:
    """The previous report's permissions, else what the umask gives a new folder (0755 under 022)."""
    if out.exists():
        return out.stat().st_mode & 0o7777
    umask = os.umask(0)
    os.umask(umask)
    return 0o777 & ~umask


def new_build(out: Path, now: dt.datetime | None = None) -> Path:
    """Remove build folders that killed runs left (call under :func:`lock`) and make a new one."""
    home = history_dir(out)
    _refuse_links(out)
    home.mkdir(parents=True, exist_ok=True)
    for stale in home.glob(".building-*"):
        shutil.rmtree(stale, ignore_errors=True)
    for kind in ("new", "old"):  # a copy a killed run left half swapped in (:func:`_swap_in_copy`)
        for stale in out.parent.glob(f".{glob.escape(out.name)}.{kind}-*"):
            if not stale.is_symlink() and (stale / MARKER).is_file():
                shutil.rmtree(stale, ignore_errors=True)
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%S")
    name, k = f"{stamp}-{os.getpid()}", 1
    while (home / name).exists():  # the same second and PID again (a fixed --now, a reused PID)
        name, k = f"{stamp}-{os.getpid()}-{k}", k + 1
    build = home / f".building-{name}"
    build.mkdir()
    _UNFINISHED[build] = True
    build.chmod(_mode(out))
    return build


def forget_build(build: Path) -> None:
    """Remove a failed run's ``build`` folder, and the history folder too when that leaves it empty
    (the first run on an ``--out``): a failed run leaves nothing behind."""
    _UNFINISHED.pop(build, None)
    shutil.rmtree(build, ignore_errors=True)
    with contextlib.suppress(OSError):  # not empty: it holds earlier reports
        build.parent.rmdir()


def publish(build: Path, out: Path, keep: int = 24) -> Path:
    """Make the complete ``build`` the report at ``out`` with one atomic rename; keep ``keep`` reports.

    Returns the report's folder in the history.
    """
    (build / MARKER).write_text("made by trendkit report; trendkit may replace this folder\n", encoding="utf-8")
    final = build.with_name(build.name.removeprefix(".building-"))
    build.rename(final)
    _UNFINISHED.pop(build, None)  # complete: from here on it is a report, never removed as unfinished
    link = out.parent / f".{out.name}.link-{os.getpid()}"
    link.unlink(missing_ok=True)
    try:
        link.symlink_to(final.relative_to(out.parent))
    except (OSError, NotImplementedError):  # Windows without Developer Mode: no links without admin rights
        _swap_in_copy(final, out)
    else:
        _switch_link(link, final, out)
    _prune(final.parent, keep, current=final)
    return final


def _switch_link(link: Path, final: Path, out: Path) -> None:
    """Make ``out`` the link to ``final``: one rename (or one swap with an old folder)."""
    if out.is_dir() and not out.is_symlink():  # an empty folder, or a marked report from before the history
        if _exchange(link, out):  # one atomic swap: the folder now sits at the link's name
            _retire(link, final)
        else:  # no atomic swap here: a short window in which OUT does not exist
            _retire(out, final)
            link.rename(out)
    else:
        link.rename(out)  # atomic: readers see the old report or the new one, never neither


def _swap_in_copy(final: Path, out: Path) -> None:
    """Where links need rights the run lacks (Windows): ``out`` becomes a copy of ``final``, swapped in by
    two renames. Between them, a few milliseconds, ``out`` does not exist; a reader who holds a file of the
    old report open makes the first rename fail, and the old report stays, whole (the new one is in the
    history). A copy left by a killed run is removed by the next (:func:`new_build`)."""
    fresh, old = (out.parent / f".{out.name}.{kind}-{os.getpid()}" for kind in ("new", "old"))
    for leftover in (fresh, old):
        if leftover.is_symlink() or (leftover.exists() and not _is_report(leftover)):
            raise TrendkitInputError(
                f"--out {out}: {leftover.name} không do trendkit tạo / was not made by trendkit; remove it or choose "
                "another path, nothing was changed"
            )
        shutil.rmtree(leftover, ignore_errors=True)  # a copy a killed run with the same PID left
    shutil.copytree(final, fresh)
    if not (out.exists() or out.is_symlink()):
        fresh.rename(out)
        return
    try:
        out.rename(old)
    except OSError as exc:
        shutil.rmtree(fresh, ignore_errors=True)
        raise TrendkitInputError(
            f"--out {out}: không thay được báo cáo trước / the previous report could not be replaced ({exc.strerror}; "
            "is a file in it open?); "
            f"it is unchanged, and the new report is in {final}"
        ) from None
    fresh.rename(out)
    if old.is_symlink() or old.is_file():
        old.unlink()
    else:
        shutil.rmtree(old, ignore_errors=True)


def _retire(folder: Path, final: Path) -> None:
    """The folder ``--out`` was before it became trendkit's link: removed when empty, else (a marked report
    from before the history layout) moved into the history beside ``final``."""
    if any(folder.iterdir()):
        made = dt.datetime.fromtimestamp(folder.stat().st_mtime, dt.UTC).strftime("%Y%m%dT%H%M%S")
        folder.rename(final.with_name(f"{made}-previous"))
    else:
        folder.rmdir()


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2(RENAME_EXCHANGE)``); False where the system or the
    file system cannot, and nothing was changed."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    swap = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if swap is None:
        return False
    at_cwd, exchange = -100, 2
    return swap(at_cwd, os.fsencode(a), at_cwd, os.fsencode(b), exchange) == 0


def _prune(home: Path, keep: int, current: Path) -> None:
    folders = (p for p in home.iterdir() if p.is_dir() and not p.name.startswith("."))
    reports = sorted(folders, key=lambda p: (p.stat().st_mtime, p.name))  # oldest first
    for old in reports[: max(0, len(reports) - max(keep, 1))]:
        if old != current and _is_report(old):
            shutil.rmtree(old, ignore_errors=True)
