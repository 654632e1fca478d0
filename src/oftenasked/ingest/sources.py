"""Collecting what an ingest reads: files, folders, globs and URLs as (origin, bytes) before any is parsed.

Every read is bounded. ``stat().st_size`` can't be trusted for that: it is 0 for ``/dev/zero``, a
FIFO or a file in ``/proc``, so files are read in chunks up to the limit, and anything that is not a
regular file (a device, a FIFO, a socket, also through a symlink) is refused before it is opened,
since opening a FIFO waits for a writer that may never come. A source that cannot be read becomes an
:class:`IngestError` in its place, so that the other sources of the run still go in.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import BinaryIO

from ..errors import IngestError
from .fetch import fetch, is_url

Source = tuple[str, "bytes | IngestError"]
_CHUNK = 1024 * 1024
_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"))


def max_bytes() -> int:
    from . import MAX_BYTES  # read at call time, so that the package's limit can be changed (tests do)

    return MAX_BYTES


def read_stream(stream: BinaryIO, origin: str, limit: int | None = None) -> bytes:
    """All of a stream (standard input, an open file) up to ``limit`` bytes; more is an :class:`IngestError`."""
    limit = max_bytes() if limit is None else limit
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = stream.read(min(_CHUNK, limit + 1 - size))
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            raise IngestError(origin, f"too large (over {limit} bytes; the limit is {limit})")
        chunks.append(chunk)


def read_file(path: Path, limit: int | None = None) -> bytes:
    """A regular file's bytes, bounded; a device, FIFO or socket (also behind a symlink) is refused unopened."""
    limit = max_bytes() if limit is None else limit
    try:
        info = path.stat()
    except OSError as exc:
        raise IngestError(str(path), f"cannot be read ({exc.strerror})") from None
    for test, kind in _KINDS:
        if test(info.st_mode):
            raise IngestError(str(path), f"not a regular file ({kind}); only files are read")
    if info.st_size > limit:  # refused before reading: a huge file never fills memory
        raise IngestError(str(path), f"too large ({info.st_size} bytes; the limit is {limit})")
    try:
        # O_NONBLOCK: should the file have been swapped for a FIFO since stat(), opening it does not wait.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as stream:
            if not stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
                raise IngestError(str(path), "not a regular file; only files are read")
            return read_stream(stream, str(path), limit)
    except OSError as exc:
        raise IngestError(str(path), f"cannot be read ({exc.strerror})") from None


def collect(
    paths: Iterable[str | Path], *, include: Sequence[str] = (), exclude: Sequence[str] = (),
    all_or_nothing: bool = False,
) -> list[Source]:
    """Every source named: files, files found in folders and globs (resolved paths are their origins),
    and fetched http(s) URLs (the URL is the origin). With ``all_or_nothing`` the first failure raises."""
    from . import expand_paths

    sources: list[Source] = []
    for item in paths:
        try:
            if isinstance(item, str) and is_url(item):
                sources.append((item, fetch(item).data))
                continue
            for path in expand_paths([item], include=include, exclude=exclude):
                try:
                    sources.append((str(path.resolve()), read_file(path)))
                except IngestError as exc:  # reported; the folder's other files still count
                    if all_or_nothing:
                        raise
                    sources.append((str(path), exc))
        except IngestError as exc:
            if all_or_nothing:
                raise
            sources.append((exc.source, exc))
    return sources
