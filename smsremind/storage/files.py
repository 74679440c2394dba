"""Files smsremind writes: the database, its lock, the outbox, the log.

They hold patients' names and numbers, so a file planted by someone else must
never receive them:

* a file we create is created 0600 without following a symlink
  (``O_NOFOLLOW | O_EXCL``), and only a file we created is chmod-ed;
* an existing file is used only if it is a regular file (not a symlink, not
  ``/dev/…``), owned by us and not writable by others; readable by others is
  allowed with a warning (the owner may have meant it, but should know).
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path
from typing import IO

from smsremind.config import not_a_file, pseudo_path
from smsremind.errors import SmsRemindError
from smsremind.i18n import N_, _

log = logging.getLogger(__name__)

_NOFOLLOW = os.O_NOFOLLOW | os.O_CLOEXEC
_NOT_REGULAR = N_("{path} is not a regular file; refusing to use it")


class UnsafeFileError(SmsRemindError):
    """A file we would write is a symlink, not a regular file, or someone else's."""


def check_existing(path: Path, st: os.stat_result) -> None:
    """Refuse a file we must not write; warn when others can read it."""
    if stat.S_ISLNK(st.st_mode):
        text = _("{path} is a symbolic link; refusing to use it (give the real path)")
        raise UnsafeFileError(text.format(path=path))
    if not_a_file(path, st):
        raise UnsafeFileError(_(_NOT_REGULAR).format(path=path))
    if st.st_uid != os.geteuid():
        text = _(
            "{path} belongs to another user (uid {uid}); refusing to use it "
            "(run smsremind as its owner, or move the file away)"
        )
        raise UnsafeFileError(text.format(path=path, uid=st.st_uid))
    if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        text = _("{path} is writable by others; refusing to use it (run: chmod 600 {path})")
        raise UnsafeFileError(text.format(path=path))
    if st.st_mode & (stat.S_IRGRP | stat.S_IROTH):
        log.warning(N_("%s is readable by others; run: chmod 600 %s"), path, path)


def check_path(path: Path) -> bool:
    """True if ``path`` exists and is safe to use (see :func:`check_existing`), False if absent."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return False
    check_existing(path, st)
    return True


def open_private(path: Path, mode: int = 0o600) -> int:
    """An append-only descriptor on ``path``: created ``mode`` if absent, checked if present."""
    if pseudo_path(path):
        raise UnsafeFileError(_(_NOT_REGULAR).format(path=path))
    path.parent.mkdir(parents=True, exist_ok=True)
    flags = os.O_WRONLY | os.O_APPEND | _NOFOLLOW
    try:
        fd = os.open(path, flags | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        pass
    else:
        os.fchmod(fd, mode)  # ours: the umask must not widen or narrow it
        return fd
    try:
        fd = os.open(path, flags | os.O_NONBLOCK)  # O_NONBLOCK: a FIFO planted here must not hang us
    except OSError:
        check_path(path)  # a symlink (ELOOP) or worse: say what it is
        raise
    try:
        check_existing(path, os.fstat(fd))
    except BaseException:
        os.close(fd)
        raise
    os.set_blocking(fd, True)
    return fd


def create_private(path: Path, mode: int = 0o600) -> None:
    """Create ``path`` empty with ``mode`` unless it exists; an existing one must be safe."""
    os.close(open_private(path, mode))


def append_private(path: Path) -> IO[str]:
    """A text file opened for appending, made safe by :func:`open_private`."""
    return os.fdopen(open_private(path), "a", encoding="utf-8")
