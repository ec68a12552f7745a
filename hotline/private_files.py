"""Files and folders the app makes for itself: readable by their owner only, files 0600 and folders 0700.

The SQLite database holds TOTP secrets and password hashes, and SQLite gives its -wal and -shm files the
mode of the database file: so the database file is made 0600 before SQLite ever opens it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

FILE_MODE = 0o600
FOLDER_MODE = 0o700
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def tighten(path: Path, mode: int) -> None:
    """Take away every permission beyond mode from a file or folder of ours; leave another owner's alone."""
    try:
        found = path.lstat()
    except FileNotFoundError:
        return
    if stat.S_ISLNK(found.st_mode) or found.st_uid != os.getuid():
        return
    if stat.S_IMODE(found.st_mode) & ~mode:
        path.chmod(stat.S_IMODE(found.st_mode) & mode)


def folder(path: Path) -> Path:
    """Make a folder 0700 if it is missing (and its missing parents), or tighten it; return it."""
    missing = [p for p in [path, *path.parents] if not p.exists()]
    for parent in reversed(missing):
        parent.mkdir(mode=FOLDER_MODE, exist_ok=True)
    tighten(path, FOLDER_MODE)
    return path


def create(path: Path) -> Path:
    """Make an empty file 0600 if it is missing, or tighten it; return it."""
    if not path.parent.exists():
        folder(path.parent)
    try:  # never opened for writing if it exists: it may be another user's, readable to us only
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError:
        tighten(path, FILE_MODE)
    return path


def write_text(path: Path, text: str) -> None:
    """Write a file that is 0600 before its first byte is written."""
    create(path)
    with path.open("w", encoding="utf-8") as handle:
        handle.write(text)


def sqlite_database(path: Path) -> None:
    """Make or tighten a SQLite database file and its side files before SQLite opens them."""
    create(path)
    for suffix in SQLITE_SIDE_FILES:
        tighten(path.with_name(path.name + suffix), FILE_MODE)


def instance(path: Path, files: Iterable[str], folders: Iterable[str]) -> None:
    """Tighten an existing instance folder and the files and folders the app made in it (never others)."""
    if not path.is_dir():
        return
    tighten(path, FOLDER_MODE)
    for name in files:
        tighten(path / name, FILE_MODE)
    for name in folders:
        tighten(path / name, FOLDER_MODE)
        if (path / name).is_dir():
            for inside in (path / name).iterdir():
                tighten(inside, FILE_MODE if inside.is_file() else FOLDER_MODE)
