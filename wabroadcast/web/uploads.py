"""Uploaded files are copied to disk with a size bound (MAX_UPLOAD_BYTES)."""

from __future__ import annotations

from typing import BinaryIO

CHUNK = 1024 * 1024


def copy_bounded(source: BinaryIO, target: BinaryIO, limit: int) -> bool:
    """Copy in 1 MB chunks; False (and stop) as soon as more than `limit` bytes arrive."""
    written = 0
    while chunk := source.read(CHUNK):
        written += len(chunk)
        if written > limit:
            return False
        target.write(chunk)
    return True
