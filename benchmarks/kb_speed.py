"""Index build time, answer latency and memory for a large knowledge base (synthetic recipes of realistic size).

    python benchmarks/kb_speed.py [--recipes 10000] [--queries 1000] [--busy 2]

Each recipe has a title, ten example questions, a summary and a body of about 150 words (``--docs``: a title and
three paragraphs of 60 words, no examples, as imported docs units) drawn from 5,000 real English words (from the
knowledge base's word-vector vocabulary) with a Zipf-like distribution, so common words are common and rare ones
rare, as in real text, and the sentence vectors have real words to work on.

``--busy N`` starts N other CPU-bound processes (each spinning on one core) while the questions are answered, not
while the index is built: answer latency on a machine that is doing other work too.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from knowledge import KnowledgeBase, Recipe
from knowledge.vectors import make_encoder

DATA = Path(__file__).resolve().parents[1] / "knowledge" / "data" / "words.npz"


def vocabulary(size: int, rng: random.Random) -> list[str]:
    with np.load(DATA, allow_pickle=False) as data:
        words = [str(w) for w in data["words"] if len(str(w)) > 2]
    return rng.sample(words, size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipes", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--semantic-model", default="off", help="as the setting: off (default), auto, or a model")
    parser.add_argument("--docs", action="store_true", help="docs units (no example questions, longer bodies)")
    parser.add_argument("--busy", type=int, default=0, help="other CPU-bound processes running while answering")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    words = vocabulary(5_000, rng)
    weights = [1 / (rank + 1) for rank in range(len(words))]

    def text(n: int) -> str:
        return " ".join(rng.choices(words, weights, k=n))

    def paragraphs(n: int) -> str:
        return "\n\n".join(text(60) for _ in range(n))

    if args.docs:  # pages of a few paragraphs, split into a page unit and sections as the docs import does
        recipes = [
            Recipe(
                id=f"p{i // 4}" + (f"#s{i % 4}" if i % 4 else ""),
                title=text(6),
                body="\n\n".join(text(60) for _ in range(3)),
            )
            for i in range(args.recipes)
        ]
        queries = [" ".join(rng.sample(r.body.split(), 6)) for r in rng.sample(recipes, args.queries)]
    else:
        recipes = [
            Recipe(
                id=f"r{i}", title=text(5), body=text(150), questions=tuple(text(8) for _ in range(10)), summary=text(15)
            )
            for i in range(args.recipes)
        ]
        queries = [" ".join(rng.sample(r.questions[0].split(), 5)) for r in rng.sample(recipes, args.queries)]
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    encoder = make_encoder(args.semantic_model)  # loading a model is not index building
    started = time.perf_counter()
    kb = KnowledgeBase(recipes, encoder=encoder)
    build = time.perf_counter() - started
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.busy)]
    latencies = []
    try:
        for query in queries:
            started = time.perf_counter()
            kb.answer(query)
            latencies.append((time.perf_counter() - started) * 1000)
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()
    latencies.sort()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"{args.recipes} recipes ({kb.mode}): index built in {build:.2f} s; {args.queries} answers"
        f"{f' beside {args.busy} busy processes' if args.busy else ''}: "
        f"p50 {statistics.median(latencies):.2f} ms, p99 {latencies[int(len(latencies) * 0.99) - 1]:.2f} ms; "
        f"peak RSS {rss / 1024:.0f} MiB ({(rss - rss_before) / 1024:.0f} MiB for the index and queries)"
    )


if __name__ == "__main__":
    main()
