"""Files written whole or not at all (the knowledge cache's embeddings, the bot's exports)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["write_atomically"]


def write_atomically(path: Path, data: bytes, prefix: str = ".tmp-") -> None:
    """Replace ``path`` with ``data`` in one rename: a reader sees the old file or the new one, never half of it.

    The new file is the owner's alone (0600, as :func:`tempfile.mkstemp` makes it); a temporary file left by a
    failure is removed.
    """
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=prefix, suffix=".tmp", delete=False) as fh:
        try:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        except BaseException:
            Path(fh.name).unlink(missing_ok=True)
            raise
    try:
        os.replace(fh.name, path)
    except OSError:
        Path(fh.name).unlink(missing_ok=True)
        raise
