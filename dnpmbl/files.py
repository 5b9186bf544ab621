"""Files that appear complete or not at all, written only where a result may go.

A result is written to a new name or over a regular file, never onto a directory, a device,
a FIFO or a socket (renaming onto ``/dev/full`` would turn the device node into a regular
file; renaming onto a FIFO would leave its reader waiting). :func:`output_target` says where
a path may be written, or why not, in one line; :func:`atomic_path` writes there.
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path


class OutputPathError(ValueError):
    """A path a result cannot be written to; the message names the path."""


def file_kind(mode: int) -> str:
    """The kind of a file that is not a regular file, in words."""
    for test, name in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a regular file"


def output_target(path) -> Path:
    """The file a result given as ``path`` is written to: ``path`` itself, or the file a
    symbolic link names (the link stays). It must be a new name or a regular file with a
    write permission bit; anything else raises :class:`OutputPathError`, naming ``path``.
    The directory it goes in need not exist yet (see :func:`check_output`)."""
    text = os.fspath(path)
    if text == "":
        raise OutputPathError("'': an empty path is not a file name")
    target = Path(os.path.realpath(text))
    try:
        info = os.stat(target)
    except FileNotFoundError:
        return target
    except OSError as exc:
        raise OutputPathError(f"{text}: cannot be written ({exc.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        raise OutputPathError(f"{text}: is {file_kind(info.st_mode)}; results are written to regular files or new paths only")
    if not info.st_mode & 0o222:
        raise OutputPathError(f"{text}: is a read-only file; not replacing it")
    return target


def check_output(path) -> Path:
    """:func:`output_target`, and its directory exists and takes a new file of its name
    (a probe file is created and removed there). Call it before computing anything that
    ``path`` is to receive; raises :class:`OutputPathError` naming ``path``."""
    target = output_target(path)
    text = os.fspath(path)
    parent = target.parent
    if not parent.is_dir():
        raise OutputPathError(f"{text}: no such directory {parent}")
    try:
        limit = os.pathconf(parent, "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    if len(target.name.encode()) > limit:
        raise OutputPathError(f"{text}: the file name is longer than {limit} bytes")
    try:
        fd, probe = tempfile.mkstemp(prefix=".probe.", suffix=".tmp", dir=parent)
    except OSError as exc:
        raise OutputPathError(f"{text}: cannot create a file in {parent} ({exc.strerror})") from None
    os.close(fd)
    os.unlink(probe)
    return target


@contextmanager
def atomic_path(path):
    """Yield a temporary path beside the target of ``path`` (:func:`output_target`);
    rename it onto the target on success, with the permissions of the file it replaces
    (or of a new file). A target that is no regular file raises :class:`OutputPathError`
    before anything is written."""
    target = output_target(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    # The temporary name stays within NAME_MAX when the target's name is long.
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name[:64]}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        try:
            mode = stat.S_IMODE(os.stat(target).st_mode)
        except FileNotFoundError:
            # mkstemp makes the file private (0600): give it the permissions of a new file.
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# --- damaged realization files: marked by a reader, set aside when the next run starts ---

#: Suffix of the marker a reader leaves beside a damaged realization file.
DAMAGED_MARKER = ".damaged"


def _realization_file(path: Path) -> bool:
    return "realizations" in path.parts and re.fullmatch(r"r\d+(\.states)?\.parquet", path.name) is not None


def mark_damaged(path, reason: str) -> Path | None:
    """Leave ``<name>.damaged`` (holding ``reason``) beside a damaged realization file, for
    :func:`set_aside_marked` at the start of the next run; return the marker, or ``None``
    where ``path`` is no realization file of the workflow's layout or the marker cannot be
    written. The file itself stays: other jobs of the running workflow that read it fail
    naming it, instead of finding an input gone (which stops a whole Snakemake run)."""
    path = Path(path)
    if not _realization_file(path):
        return None
    marker = path.with_name(path.name + DAMAGED_MARKER)
    try:
        marker.write_text(reason + "\n")
    except OSError:
        return None
    return marker


def set_aside(path) -> Path | None:
    """Move a damaged realization file out of the way (``<name>.damaged-<time>``), so that
    the run recomputes it and its bytes are kept; return the new path, or ``None`` where
    ``path`` is no realization file of the workflow's layout or is already gone."""
    path = Path(path)
    if not _realization_file(path):
        return None
    aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}")
    try:
        os.rename(path, aside)
    except OSError:
        return None
    return aside


def set_aside_marked(workdir) -> list[Path]:
    """Set aside every realization file a reader marked damaged under ``workdir``/results
    (:func:`mark_damaged`), and drop the markers: called when a run starts, before it plans,
    so that it recomputes those realizations. Returns the files set aside (new paths)."""
    moved = []
    root = Path(workdir) / "results" / "realizations"
    if not root.is_dir():
        return moved
    for marker in sorted(root.rglob("*.parquet" + DAMAGED_MARKER)):
        damaged = marker.with_name(marker.name[: -len(DAMAGED_MARKER)])
        aside = set_aside(damaged) if damaged.exists() else None
        if aside is not None:
            moved.append(aside)
        marker.unlink(missing_ok=True)
    return moved
