"""Sentence embeddings of a knowledge base's texts kept on disk between starts (the ``[semantic]`` extra).

Embedding every text with a sentence-transformers model is most of a ``[semantic]`` build (over a minute for
15,000 texts on two cores); most texts are the same from one build to the next, so each is embedded once.
"""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from knowledge.files import write_atomically

__all__ = ["EmbeddingStore"]

log = logging.getLogger(__name__)


class EmbeddingStore:
    """Sentence embeddings of texts already seen, in one ``.npz`` file per model: a rebuild embeds only new texts.

    The file holds the texts of the last build that had new ones to embed (texts no longer in it are dropped then,
    not at every build: the reranker's held-out base, a part of the texts, must not drop the rest), as 16-byte
    SHA-256 prefixes of the texts (rows of bytes) and their vectors; it is read with ``allow_pickle=False``.

    Args:
        folder: the cache folder.
        model: the model's name or path (part of the file name and checked on reading).
    """

    def __init__(self, folder: Path, model: str) -> None:
        self.model = model
        self.path = folder / f"embeddings-{hashlib.sha256(model.encode()).hexdigest()[:16]}.npz"
        self._write_failed = False

    def embed(
        self, texts: Sequence[str], compute: Callable[[list[str]], npt.NDArray[np.float32]], *, keep: bool = True
    ) -> npt.NDArray[np.float32]:
        """The vectors of ``texts`` (one row each): stored ones reused, the others from ``compute`` and, when
        ``keep`` (a knowledge base's texts, not questions), stored."""
        if not texts:
            return compute([])
        digests = [hashlib.sha256(t.encode()).digest()[:16] for t in texts]
        known = self._load()
        missing = {d: t for d, t in zip(digests, texts, strict=True) if d not in known}
        if missing:
            vectors = compute(list(missing.values()))
            known.update(zip(missing, vectors, strict=True))
        out = np.stack([known[d] for d in digests]).astype(np.float32)
        if missing and keep:
            self._save(digests, out)
        return out

    def _load(self) -> dict[bytes, npt.NDArray[np.float32]]:
        try:
            with np.load(self.path, allow_pickle=False) as data:
                if str(data["model"]) != self.model:
                    raise ValueError("embeddings of another model")
                digests = [row.tobytes() for row in data["digests"]]
                return dict(zip(digests, data["vectors"].astype(np.float32), strict=True))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, KeyError) as exc:  # a corrupt file: embed everything again
            log.warning("knowledge cache: %s is unusable (%s); embedding the texts again", self.path, exc)
            self.path.unlink(missing_ok=True)
            return {}

    def _save(self, digests: Sequence[bytes], vectors: npt.NDArray[np.float32]) -> None:
        unique = dict(zip(digests, vectors, strict=True))
        buffer = io.BytesIO()
        np.savez(
            buffer,
            model=np.asarray(self.model),
            digests=np.frombuffer(b"".join(unique), dtype=np.uint8).reshape(len(unique), 16),
            vectors=np.stack(list(unique.values())),
        )
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            write_atomically(self.path, buffer.getvalue(), prefix=".emb-")
        except OSError as exc:
            if not self._write_failed:
                log.warning("knowledge cache: cannot write %s (%s)", self.path, exc)
            self._write_failed = True
