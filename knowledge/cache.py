"""Built knowledge bases kept on disk, so that a restart with unchanged recipes does not build the index again.

An entry is the pickled :class:`~knowledge.search.KnowledgeBase` (with the recipe errors met while loading, and what
was fitted at build: the classifier, the reranker, the docs confidence curve of :mod:`knowledge.selfcheck`), in
``data_dir/kb-cache/kb-<key>.pickle``. Its key is a SHA-256 over everything the index is made from:

- every recipe file's path (relative to its folder) and bytes, each folder's path and base URL, and what its
  listing refused (symlinks out of the folder, oversized files);
- the settings that shape the index: answer threshold and the encoder (``static``, or the sentence-transformers
  model), and the learned example questions;
- the package version, the Python, NumPy and SciPy versions, and a hash of ``knowledge/*.py`` and
  ``knowledge/data/*``, so that a code or data change invalidates every entry.

Entries are written atomically (a temporary file, then a rename) and read defensively: anything wrong with an entry
(truncated, corrupt, from an incompatible version) is logged once, the file removed, and the index built again.
Only the :data:`KEEP` most recently used entries are kept; :meth:`IndexCache.clear` removes them all when a person's
data is erased (an entry holds the learned example questions, which may be theirs).

A sentence-transformers model is not pickled: the entry refers to "the live encoder", which the reader passes in.
Its embeddings are cached separately by :class:`knowledge.embeddings.EmbeddingStore`, so that changing one recipe
re-embeds only that recipe's texts.

Pickle runs code when loading, so the cache folder is created readable and writable by its owner only, and an
entry owned by another user or writable by others is refused (and rebuilt). It is as trusted as the rest of
``data_dir``, which holds the SQLite database.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import logging
import mmap
import os
import pickle
import platform
import struct
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import IO, Any

import numpy as np

from bot.errors import RecipeError
from knowledge.loader import recipe_files, suffixes_for
from knowledge.search import KnowledgeBase
from knowledge.sources import Source, load_sources, log_errors
from knowledge.vectors import Encoder

__all__ = ["KEEP", "IndexCache", "Loaded", "build_index"]

log = logging.getLogger(__name__)

KEEP = 4
"""Entries kept in the cache folder (the most recently used); older ones are removed after each write."""
_FORMAT = 3  # bump when the entry layout changes
_MAGIC = b"CBKBIDX2"
_ALIGN = 64  # array data starts on a cache line (and on numpy's alignment)
_LIVE_ENCODER = "live-encoder"
_STALE_TEMP_SECONDS = 3600  # a temporary file this old was left by a crash mid-write


@dataclass
class Loaded:
    """A knowledge base ready to answer, the recipe files it skipped, and whether it came from the cache."""

    kb: KnowledgeBase
    errors: list[RecipeError] = field(default_factory=list)
    cached: bool = False


def build_index(
    sources: Sequence[Source],
    *,
    threshold: float,
    encoder: Encoder,
    learned: Mapping[str, Sequence[str]] | None = None,
    cache: IndexCache | None = None,
) -> Loaded:
    """The knowledge base for ``sources``: from ``cache`` when an entry matches, else built (and then stored).

    Blocking (file reads, and a build of up to a few seconds): run it in a worker thread from async code.
    """
    learned = learned or {}
    key = cache.key(sources, threshold=threshold, encoder=encoder, learned=learned) if cache is not None else ""
    hit = cache.get(key, encoder) if cache is not None else None
    if hit is not None:
        log_errors(hit.errors)
        return hit
    recipes, errors = load_sources(sources)
    kb = KnowledgeBase(recipes, threshold=threshold, learned=learned, encoder=encoder)
    if cache is not None:
        cache.put(key, kb, errors, encoder)
    return Loaded(kb, errors)


class IndexCache:
    """Built knowledge bases in ``folder``, keyed by what they were built from (see the module docstring).

    Args:
        folder: where entries live, e.g. ``data_dir / "kb-cache"``; created on the first write.
        keep: how many entries to keep.
    """

    def __init__(self, folder: Path, keep: int = KEEP) -> None:
        self.folder = folder
        self.keep = keep
        self._write_failed = False

    def key(
        self,
        sources: Sequence[Source],
        *,
        threshold: float,
        encoder: Encoder,
        learned: Mapping[str, Sequence[str]],
    ) -> str:
        """The key of the index these inputs build: reads every recipe file (hashing is far cheaper than building)."""
        digest = hashlib.sha256()

        def add(*parts: object) -> None:
            for part in parts:
                data = part if isinstance(part, bytes) else repr(part).encode()
                digest.update(len(data).to_bytes(8, "little") + data)

        add(_FORMAT, _environment(), threshold, encoder.name, getattr(encoder, "model", None))
        for source in sources:
            add("source", str(source.path.resolve()), source.base_url)
            if not source.path.is_dir():
                add("missing")
                continue
            files, refused = recipe_files(source.path, suffixes_for(source.base_url))
            add(sorted(str(e) for e in refused))
            for path in files:
                add(path.relative_to(source.path).as_posix(), _file_bytes(path))
        add(sorted((unit, list(questions)) for unit, questions in learned.items()))
        return digest.hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / f"kb-{key[:40]}.pickle"

    def get(self, key: str, encoder: Encoder) -> Loaded | None:
        """The entry stored under ``key``, or None (no entry, or an unusable one: logged, removed)."""
        path = self._path(key)
        try:
            fh = path.open("rb")
        except OSError:  # no such entry, or no cache folder to read (a failed write says so)
            return None
        try:
            with fh:
                _check_owner(os.fstat(fh.fileno()))
                entry = _load(fh, encoder)
            if not (isinstance(entry, dict) and entry.get("key") == key and isinstance(entry.get("kb"), KnowledgeBase)):
                raise ValueError("not an entry for this key")
            errors = [RecipeError(Path(p), line, message, column) for p, line, column, message in entry["errors"]]
        # Unpickling can raise almost anything (truncated data, classes that moved, arrays from another version):
        # each of them only means "build again".
        except Exception as exc:
            log.warning(
                "knowledge cache: %s is unusable (%s: %s); building the index again", path, type(exc).__name__, exc
            )
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # most recently used: pruned last
        return Loaded(entry["kb"], errors, cached=True)

    def put(self, key: str, kb: KnowledgeBase, errors: Sequence[RecipeError], encoder: Encoder) -> None:
        """Store ``kb`` under ``key`` (atomically), then prune; a failure is logged once and otherwise ignored."""
        entry = {"key": key, "kb": kb, "errors": [(str(e.path), e.line, e.column, e.message) for e in errors]}
        temp: Path | None = None
        try:
            self.folder.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # data_dir: personal data too
            self.folder.mkdir(mode=0o700, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.folder, prefix=".kb-", suffix=".tmp", delete=False) as fh:
                temp = Path(fh.name)
                _dump(fh, entry, encoder)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(temp, self._path(key))
            temp = None
            self._prune()
        except (OSError, pickle.PicklingError, TypeError, AttributeError) as exc:
            if not self._write_failed:  # a read-only data folder would otherwise log on every reload
                log.warning(
                    "knowledge cache: cannot write to %s (%s); the index is built at each start", self.folder, exc
                )
            self._write_failed = True
        finally:
            if temp is not None:
                temp.unlink(missing_ok=True)

    def clear(self) -> None:
        """Remove every entry: after a person's data is erased, since an entry's knowledge base holds the learned
        example questions it was built with, which may be in their words (the next build writes a fresh one)."""
        for entry in self.folder.glob("kb-*.pickle") if self.folder.is_dir() else []:
            with contextlib.suppress(OSError):
                entry.unlink(missing_ok=True)

    def _prune(self) -> None:
        entries = sorted(self.folder.glob("kb-*.pickle"), key=_mtime, reverse=True)
        for old in entries[self.keep :]:
            old.unlink(missing_ok=True)
        for temp in self.folder.glob(".kb-*.tmp"):
            if time.time() - _mtime(temp) > _STALE_TEMP_SECONDS:
                temp.unlink(missing_ok=True)


def _dump(fh: IO[bytes], entry: object, encoder: Encoder) -> None:
    """Write ``entry`` as: header, the pickle, then its arrays' data out of band, each at an aligned offset.

    Header: magic, the pickle's length, the number of buffers, then each buffer's offset and length (8 bytes each).
    """
    buffers: list[pickle.PickleBuffer] = []
    data = io.BytesIO()
    _Pickler(data, encoder, buffers.append).dump(entry)
    views = [b.raw() for b in buffers]
    table_end = len(_MAGIC) + 16 + 16 * len(views)
    offset = _aligned(table_end + data.tell())
    spans = []
    for view in views:
        spans.append((offset, view.nbytes))
        offset = _aligned(offset + view.nbytes)
    fh.write(_MAGIC + struct.pack("<QQ", data.tell(), len(views)))
    fh.write(b"".join(struct.pack("<QQ", start, size) for start, size in spans))
    fh.write(data.getbuffer())
    for (start, _), view in zip(spans, views, strict=True):
        fh.write(b"\0" * (start - fh.tell()))
        fh.write(view)


def _load(fh: IO[bytes], encoder: Encoder) -> object:
    """Read what :func:`_dump` wrote. Arrays stay in a private (copy-on-write) map of the file: no copy is made,
    and pages are read from disk as the search touches them, which is what makes a large index load fast."""
    mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_COPY)
    view = memoryview(mapped)
    head = len(_MAGIC) + 16
    if bytes(view[: len(_MAGIC)]) != _MAGIC:
        raise ValueError("not a knowledge cache entry")
    size, count = struct.unpack("<QQ", view[len(_MAGIC) : head])
    spans = [struct.unpack("<QQ", view[head + 16 * i : head + 16 * (i + 1)]) for i in range(count)]
    start = head + 16 * count
    if start + size > len(view) or any(a + n > len(view) for a, n in spans):
        raise ValueError("truncated entry")
    buffers = [view[a : a + n] for a, n in spans]
    return _Unpickler(io.BytesIO(view[start : start + size]), encoder, buffers).load()


def _aligned(offset: int) -> int:
    return -(-offset // _ALIGN) * _ALIGN


class _Pickler(pickle.Pickler):
    """Pickles the live encoder (a loaded model) as a reference, not as its weights."""

    def __init__(self, file: Any, encoder: Encoder, buffer_callback: Callable[[pickle.PickleBuffer], None]) -> None:
        super().__init__(file, protocol=5, buffer_callback=buffer_callback)
        self._encoder = encoder

    def persistent_id(self, obj: Any) -> str | None:
        return _LIVE_ENCODER if obj is self._encoder and obj.name != "static" else None


class _Unpickler(pickle.Unpickler):
    """Resolves the live-encoder reference to the encoder the reader has loaded."""

    def __init__(self, file: Any, encoder: Encoder, buffers: Iterable[memoryview]) -> None:
        super().__init__(file, buffers=buffers)
        self._encoder = encoder

    def persistent_load(self, pid: Any) -> Any:
        if pid == _LIVE_ENCODER and self._encoder.name != "static":
            return self._encoder
        raise pickle.UnpicklingError(f"unknown reference {pid!r}")


def _check_owner(stat: os.stat_result) -> None:
    """Refuse an entry someone else could have written: unpickling it would run their code."""
    if hasattr(os, "getuid") and (stat.st_uid != os.getuid() or stat.st_mode & 0o022):
        raise PermissionError("the file is not ours alone (another owner, or writable by others)")


def _file_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:  # unreadable now: the loader will say so; the key just has to differ from readable bytes
        return f"unreadable: {exc}".encode()


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


@functools.cache
def _environment() -> tuple[str, ...]:
    """What else an entry depends on: versions, and the knowledge code and data (hashed once per process)."""
    try:
        version = metadata.version("communitybot")
    except metadata.PackageNotFoundError:
        version = "unknown"
    import scipy

    code = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for path in sorted([*here.glob("*.py"), *(here / "data").glob("*")]):
        if path.is_file():
            code.update(path.name.encode() + b"\0" + path.read_bytes())
    return (version, sys.version, platform.machine(), np.__version__, scipy.__version__, code.hexdigest())
