"""Reading a file the user named, safely: only a regular file, never more than a bound.

A FIFO, a device or a directory is refused without reading it (opening a FIFO would wait for a
writer forever, a device may never end). The file is opened without blocking and checked on
its open descriptor, so nothing can be swapped in between the check and the read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path


class InputFileError(ValueError):
    """A file that cannot or must not be read, with the reason in words."""


def _kind(mode: int) -> str:
    """What a file that is not a regular file is, for messages."""
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def read_bytes(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; InputFileError otherwise."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as err:
        raise InputFileError(f"cannot read the file: {err.strerror or err}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputFileError(f"{_kind(info.st_mode)}, not a file: refused without reading it")
        if info.st_size > limit:
            raise InputFileError(f"file larger than {limit // (1024 * 1024)} MiB")
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(limit + 1)
    except OSError as err:
        raise InputFileError(f"cannot read the file: {err.strerror or err}") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise InputFileError(f"file larger than {limit // (1024 * 1024)} MiB")
    return data
