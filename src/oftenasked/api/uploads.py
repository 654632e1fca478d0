"""Bounds on what an upload unpacks to: a gzip body is measured before anything parses it.

The body limit caps the bytes sent, not what they unpack to: 0.68 MB of gzip unpacked to
200 MB of JSON and cost 52 s and 1.7 GB to ingest. Here every gzip member of the body (a file
may be several, ``cat a.gz b.gz``) is inflated in bounded steps, keeping no output, and the
upload is refused as soon as the total passes the limit.
"""

from __future__ import annotations

import zlib

from ..errors import TooLargeError

_GZIP_MAGIC = b"\x1f\x8b"
_STEP = 1 << 20


def check_unpacked(data: bytes, limit: int) -> int:
    """The unpacked size of ``data`` (its own size unless it is gzip); raises past ``limit``.

    Damaged gzip data is left for the reader to report with its file name.
    """
    if not data.startswith(_GZIP_MAGIC):
        return len(data)
    total = 0
    rest = data
    while rest.startswith(_GZIP_MAGIC):
        inflate = zlib.decompressobj(wbits=31)
        try:
            chunk = inflate.decompress(rest, _STEP)
            total += len(chunk)
            while inflate.unconsumed_tail and total <= limit:
                chunk = inflate.decompress(inflate.unconsumed_tail, _STEP)
                total += len(chunk)
        except zlib.error:
            return total
        if total > limit:
            raise TooLargeError(f"the upload is too large once unpacked (the limit is {limit} bytes)")
        if not inflate.eof:
            return total
        rest = inflate.unused_data
    return total
