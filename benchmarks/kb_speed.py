"""Index build time, answer latency and memory for a large knowledge base (synthetic recipes of realistic size).

    python benchmarks/kb_speed.py [--recipes 10000] [--queries 1000]

Each recipe has a title, ten example questions and a body of about 150 words drawn from a 5,000-word vocabulary
with a Zipf-like distribution, so common words are common and rare ones rare, as in real text.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import time

from knowledge import KnowledgeBase, Recipe


def vocabulary(size: int, rng: random.Random) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(letters) for _ in range(rng.randint(3, 10))))
    return sorted(words)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipes", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    words = vocabulary(5_000, rng)
    weights = [1 / (rank + 1) for rank in range(len(words))]

    def text(n: int) -> str:
        return " ".join(rng.choices(words, weights, k=n))

    recipes = [
        Recipe(id=f"r{i}", title=text(5), body=text(150), questions=tuple(text(8) for _ in range(10)), summary=text(15))
        for i in range(args.recipes)
    ]
    queries = [" ".join(rng.sample(r.questions[0].split(), 5)) for r in rng.sample(recipes, args.queries)]
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    kb = KnowledgeBase(recipes)
    build = time.perf_counter() - started
    latencies = []
    for query in queries:
        started = time.perf_counter()
        kb.answer(query)
        latencies.append((time.perf_counter() - started) * 1000)
    latencies.sort()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"{args.recipes} recipes: index built in {build:.2f} s; {args.queries} answers: "
        f"p50 {statistics.median(latencies):.2f} ms, p99 {latencies[int(len(latencies) * 0.99) - 1]:.2f} ms; "
        f"peak RSS {rss / 1024:.0f} MiB ({(rss - rss_before) / 1024:.0f} MiB for the index and queries)"
    )


if __name__ == "__main__":
    main()
