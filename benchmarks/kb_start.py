"""Start-up time: a cold ``communitybot ask`` and the first answer after a start with unchanged recipes.

    python benchmarks/kb_start.py [--runs 5] [--recipes 10000] [--semantic-model off]

Every figure is the median over ``--runs`` fresh processes, each run right after a ``python -c "import numpy"``
in the same loop, so the ratio to that baseline holds when the machine is busy:

- ``ask, no cache``: ``communitybot ask QUESTION`` with an empty cache folder (loads and builds the index);
- ``ask, cache hit``: the same command again (the index comes from ``data_dir/kb-cache``);
- ``first answer``: in a fresh process with the modules imported, the time from loading the encoder and the index
  (what ``BotApp.start`` does after the database) to the first answer, on a cache miss and on a hit.

With ``--recipes N`` the knowledge base is the starter recipes plus N synthetic recipe files (as
``benchmarks/kb_speed.py`` makes them: ten example questions and a 150-word body each).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "knowledge" / "data" / "words.npz"
QUESTION = "how long should a learning circle meeting be?"

_FIRST_ANSWER = """
import json, sys, time
from bot.settings import Settings
from knowledge.cache import IndexCache, build_index
from knowledge.sources import sources_of
from knowledge.vectors import make_encoder

settings = Settings()
started = time.perf_counter()
cache = IndexCache(settings.data_dir / "kb-cache")
encoder = make_encoder(settings.semantic_model, cache.folder)
loaded = build_index(sources_of(settings), threshold=settings.answer_threshold, encoder=encoder, cache=cache)
answer = loaded.kb.answer(sys.argv[1])
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "cached": loaded.cached, "answered": answer.best is not None}))
"""


def _synthetic(folder: Path, n: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    with np.load(DATA, allow_pickle=False) as data:
        words = rng.sample([str(w) for w in data["words"] if len(str(w)) > 2], 5_000)
    weights = [1 / (rank + 1) for rank in range(len(words))]

    def text(k: int) -> str:
        return " ".join(rng.choices(words, weights, k=k))

    folder.mkdir(parents=True)
    for i in range(n):
        questions = json.dumps([text(8) for _ in range(10)])
        body = f"---\ntitle: {text(5)}\nsummary: {text(15)}\nquestions: {questions}\n---\n{text(150)}\n"
        (folder / f"r{i:05d}.md").write_text(body, encoding="utf-8")


def _timed(command: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if result.returncode not in (0, 1):  # 1: the question was declined, still a full run
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr}")
    return seconds


def _first_answer(env: dict[str, str], cwd: Path) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-c", _FIRST_ANSWER, QUESTION], env=env, cwd=cwd, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise SystemExit(f"first-answer probe failed:\n{result.stderr}")
    probe: dict[str, object] = json.loads(result.stdout)
    return probe


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--recipes", type=int, default=0, help="synthetic recipe files added to the starter ones")
    parser.add_argument("--semantic-model", default="off", help="as the setting: off (default), auto, or a model")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kb-start-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COMMUNITYBOT_", "DATABASE_URL"))}
    env |= {"PYTHONPATH": str(ROOT), "COMMUNITYBOT_SEMANTIC_MODEL": args.semantic_model}
    if args.recipes:
        _synthetic(work / "extra", args.recipes)
        env["COMMUNITYBOT_KNOWLEDGE_DIRS"] = json.dumps([str(work / "extra")])
    cache = work / "data" / "kb-cache"
    ask = [sys.executable, "-m", "bot", "ask", QUESTION]
    numpy_import, cold, hit, first_miss, first_hit = [], [], [], [], []
    try:
        for _ in range(args.runs):
            numpy_import.append(_timed([sys.executable, "-c", "import numpy"], env, work))
            shutil.rmtree(cache, ignore_errors=True)
            cold.append(_timed(ask, env, work))
            hit.append(_timed(ask, env, work))
            shutil.rmtree(cache, ignore_errors=True)
            miss_probe, hit_probe = _first_answer(env, work), _first_answer(env, work)
            assert not miss_probe["cached"] and hit_probe["cached"] and hit_probe["answered"], (miss_probe, hit_probe)
            first_miss.append(float(miss_probe["seconds"]))  # type: ignore[arg-type]
            first_hit.append(float(hit_probe["seconds"]))  # type: ignore[arg-type]
        size = sum(p.stat().st_size for p in cache.glob("kb-*.pickle"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    base = statistics.median(numpy_import)
    print(f"knowledge base: starter recipes + {args.recipes} synthetic; semantic_model={args.semantic_model}")
    print(f"runs: {args.runs}; load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"cache entry: {size / 1e6:.1f} MB")
    print(f"{'what':<34} {'median s':>9} {'x numpy':>8}")
    rows = [
        ('python -c "import numpy"', numpy_import),
        ("communitybot ask, no cache", cold),
        ("communitybot ask, cache hit", hit),
        ("first answer after start, miss", first_miss),
        ("first answer after start, hit", first_hit),
    ]
    for name, values in rows:
        print(f"{name:<34} {statistics.median(values):>9.3f} {statistics.median(values) / base:>8.2f}")


if __name__ == "__main__":
    main()
