"""The index cache: a restart with unchanged recipes does not rebuild; any change to what the index is made of does."""

from __future__ import annotations

import json
import logging
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import knowledge.cache as cache_module
from bot.main.wiring import BotApp
from bot.settings import Settings
from knowledge.cache import IndexCache, Loaded, build_index
from knowledge.embeddings import EmbeddingStore
from knowledge.sources import Source
from knowledge.vectors import StaticEncoder
from tests.conftest import ROOT

BIKES = '---\ntitle: Bike parking\nquestions: ["where do we park the bikes"]\n---\nOut back, by the shed.\n'
ROOM = '---\ntitle: Booking a room\nquestions: ["how do I book a room at the library"]\n---\nAsk the front desk.\n'
SNACKS = '---\ntitle: Snacks\nquestions: ["can we bring food to the meeting"]\n---\nYes, if it is tidy.\n'


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "bikes.md").write_text(BIKES)
    (kb / "room.md").write_text(ROOM)
    (kb / "snacks.md").write_text(SNACKS)
    return kb


def _build(folder: Path, cache: IndexCache, threshold: float = 0.5, **kwargs: object) -> Loaded:
    return build_index([Source(folder)], threshold=threshold, encoder=StaticEncoder(), cache=cache, **kwargs)  # type: ignore[arg-type]


def _entries(cache: IndexCache) -> list[str]:
    return sorted(p.name for p in cache.folder.glob("kb-*.pickle"))


def test_unchanged_recipes_load_from_the_cache_and_answer_the_same(folder: Path, tmp_path: Path) -> None:
    """The second build is a cache hit whose answers (best, score, suggestions) equal the built index's."""
    cache = IndexCache(tmp_path / "cache")
    built = _build(folder, cache)
    hit = _build(folder, cache)
    assert (built.cached, hit.cached) == (False, True) and len(_entries(cache)) == 1
    for question in ("where do we park the bikes", "book a room", "who won the football game"):
        assert hit.kb.answer(question) == built.kb.answer(question)
    best = hit.kb.answer("where can I leave my bike").best
    assert best is not None and best.recipe.title == "Bike parking" and best.recipe.body == "Out back, by the shed."


def test_edited_file_of_the_same_size_and_time_is_rebuilt(folder: Path, tmp_path: Path) -> None:
    """The key is the files' bytes, not their size or modification time: an edit that keeps both still rebuilds."""
    cache = IndexCache(tmp_path / "cache")
    _build(folder, cache)
    path = folder / "bikes.md"
    stat = path.stat()
    path.write_text(BIKES.replace("by the shed", "by the gate"))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size
    rebuilt = _build(folder, cache)
    best = rebuilt.kb.answer("where do we park the bikes").best
    assert not rebuilt.cached and best is not None and best.recipe.body == "Out back, by the gate."


def test_added_and_removed_files_are_rebuilt(folder: Path, tmp_path: Path) -> None:
    """A new recipe file answers after the rebuild; a removed one no longer does."""
    cache = IndexCache(tmp_path / "cache")
    _build(folder, cache)
    (folder / "wifi.md").write_text('---\ntitle: Wi-Fi\nquestions: ["what is the wifi password"]\n---\nAsk staff.\n')
    added = _build(folder, cache)
    best = added.kb.answer("what is the wifi password").best
    assert not added.cached and best is not None and best.recipe.title == "Wi-Fi"
    (folder / "wifi.md").unlink()
    removed = _build(folder, cache)
    assert removed.cached  # the first entry again
    assert [r.id for r in removed.kb.recipes] == ["bikes", "room", "snacks"]


def test_changed_settings_and_learned_questions_are_rebuilt(folder: Path, tmp_path: Path) -> None:
    """Threshold, base URL and learned questions are part of the key."""
    cache = IndexCache(tmp_path / "cache")
    _build(folder, cache)
    stricter = _build(folder, cache, threshold=0.9)
    assert not stricter.cached and stricter.kb.threshold == 0.9
    docs = build_index(
        [Source(folder, "https://docs.example.org/")], threshold=0.5, encoder=StaticEncoder(), cache=cache
    )
    assert not docs.cached and docs.kb.by_id["bikes"].link == "https://docs.example.org/bikes"
    learned = _build(folder, cache, learned={"bikes": ["where do cyclists lock up"]})
    assert not learned.cached and learned.kb.by_id["bikes"].questions[-1] == "where do cyclists lock up"
    assert _build(folder, cache, learned={"bikes": ["where do cyclists lock up"]}).cached


def test_code_change_invalidates_every_entry(folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Entries built by other knowledge code (or another package version) are not used."""
    cache = IndexCache(tmp_path / "cache")
    _build(folder, cache)
    real = cache_module._environment()
    monkeypatch.setattr(cache_module, "_environment", lambda: (*real[:-1], "other code"))
    assert not _build(folder, cache).cached


def test_corrupt_entry_is_logged_once_and_rebuilt(
    folder: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A truncated entry gives one warning and a rebuild that answers; the next start hits the new entry."""
    cache = IndexCache(tmp_path / "cache")
    _build(folder, cache)
    (entry,) = cache.folder.glob("kb-*.pickle")
    entry.write_bytes(entry.read_bytes()[:200])
    with caplog.at_level(logging.WARNING, logger="knowledge.cache"):
        rebuilt = _build(folder, cache)
        again = _build(folder, cache)
    warnings = [r.getMessage() for r in caplog.records if r.name == "knowledge.cache"]
    assert len(warnings) == 1 and "is unusable" in warnings[0] and "building the index again" in warnings[0]
    best = rebuilt.kb.answer("where do we park the bikes").best
    assert not rebuilt.cached and again.cached and best is not None and best.recipe.title == "Bike parking"


def test_entry_others_can_write_is_not_unpickled(folder: Path, tmp_path: Path) -> None:
    """An entry writable by other users could run their code when unpickled: it is refused and rebuilt."""
    cache = IndexCache(tmp_path / "cache")
    _build(folder, cache)
    (entry,) = cache.folder.glob("kb-*.pickle")
    entry.chmod(0o666)
    rebuilt = _build(folder, cache)
    assert not rebuilt.cached and entry.stat().st_mode & 0o777 == 0o600


def test_entry_of_another_key_is_not_used(folder: Path, tmp_path: Path) -> None:
    """A file renamed onto another key's name (or a hash-prefix collision) is refused, not answered from."""
    cache = IndexCache(tmp_path / "cache")
    _build(folder, cache)
    (entry,) = cache.folder.glob("kb-*.pickle")
    key = cache.key([Source(folder)], threshold=0.9, encoder=StaticEncoder(), learned={})
    entry.rename(cache.folder / f"kb-{key[:40]}.pickle")
    assert cache.get(key, StaticEncoder()) is None and _entries(cache) == []


def test_old_entries_are_pruned(folder: Path, tmp_path: Path) -> None:
    """Only the most recently used entries stay; a hit counts as a use."""
    cache = IndexCache(tmp_path / "cache", keep=2)
    _build(folder, cache, threshold=0.1)
    _build(folder, cache, threshold=0.2)
    os.utime(next(cache.folder.glob("kb-*.pickle")), (0, 0))  # make one look old...
    assert _build(folder, cache, threshold=0.1).cached  # ...then use the 0.1 entry
    _build(folder, cache, threshold=0.3)
    thresholds = []
    for path in cache.folder.glob("kb-*.pickle"):
        with path.open("rb") as fh:
            thresholds.append(cache_module._load(fh, StaticEncoder())["kb"].threshold)  # type: ignore[index]
    thresholds.sort()
    assert thresholds == [0.1, 0.3]


def test_unwritable_cache_is_logged_once_and_answers(
    folder: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A cache folder that cannot be created costs a rebuild each time and one warning, never an error."""
    blocker = tmp_path / "data"
    blocker.write_text("a file where the folder should be")
    cache = IndexCache(blocker / "kb-cache")
    with caplog.at_level(logging.WARNING, logger="knowledge.cache"):
        first, second = _build(folder, cache), _build(folder, cache)
    warnings = [r.getMessage() for r in caplog.records if r.name == "knowledge.cache"]
    assert len(warnings) == 1 and "cannot write" in warnings[0]
    best = second.kb.answer("where do we park the bikes").best
    assert not first.cached and not second.cached and best is not None and best.recipe.title == "Bike parking"


def test_skipped_files_are_reported_on_a_hit_too(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A broken recipe file is logged and returned as an error whether the index was built or loaded."""
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "bikes.md").write_text(BIKES)
    (folder / "broken.md").write_text("---\ntitle: [unclosed\n---\nbody\n")
    cache = IndexCache(tmp_path / "cache")
    built = _build(folder, cache)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        hit = _build(folder, cache)
    assert hit.cached and [str(e) for e in hit.errors] == [str(e) for e in built.errors]
    assert len(hit.errors) == 1 and "broken.md" in str(hit.errors[0])
    assert [r.getMessage() for r in caplog.records] == [f"skipped recipe: {hit.errors[0]}"]


def test_static_encoder_pickles_its_weights_only() -> None:
    """A pickled static encoder is small (the word vectors ship with the package) and encodes the same."""
    words = len(StaticEncoder()._index)
    encoder = StaticEncoder(np.linspace(1, 2, words).astype(np.float32))
    data = pickle.dumps(encoder)
    copy = pickle.loads(data)
    assert len(data) < 5 * words  # one float32 weight a word; the vectors themselves are 128 bytes a word
    np.testing.assert_array_equal(
        copy.encode("where do we park the bikes"), encoder.encode("where do we park the bikes")
    )


def test_embeddings_are_computed_once_per_text(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The store embeds only texts it has not seen, drops texts no longer used, and recovers from a corrupt file."""
    computed: list[str] = []

    def embed(texts: list[str]) -> np.ndarray:
        computed.extend(texts)
        return np.asarray([[len(t), t.count("a"), 1.0] for t in texts], dtype=np.float32)

    store = EmbeddingStore(tmp_path, "some/model")
    first = store.embed(["a cat", "a dog", "a cat"], embed)
    assert computed == ["a cat", "a dog"] and first.tolist() == [[5, 2, 1], [5, 1, 1], [5, 2, 1]]
    second = EmbeddingStore(tmp_path, "some/model").embed(["a dog", "an aardvark"], embed)
    assert computed == ["a cat", "a dog", "an aardvark"] and second.tolist() == [[5, 1, 1], [11, 4, 1]]
    computed.clear()
    EmbeddingStore(tmp_path, "some/model").embed(["a cat"], embed)
    assert computed == ["a cat"]  # dropped when the second knowledge base no longer had it
    assert EmbeddingStore(tmp_path, "other/model").path != store.path
    store.path.write_bytes(b"not a zip file")
    computed.clear()
    with caplog.at_level(logging.WARNING, logger="knowledge.embeddings"):
        again = EmbeddingStore(tmp_path, "some/model").embed(["a cat"], embed)
    assert computed == ["a cat"] and again.tolist() == [[5, 2, 1]]
    (warning,) = [r.getMessage() for r in caplog.records]
    assert warning.startswith(f"knowledge cache: {store.path} is unusable (") and "embedding the texts again" in warning


async def test_restarted_app_answers_from_the_cache(
    folder: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A second start with the same recipes loads the index from data_dir/kb-cache and answers the same."""
    settings = Settings(data_dir=tmp_path / "data", starter_recipes=False, knowledge_dirs=[folder])
    answers = []
    for _ in range(2):
        app = BotApp(settings)
        with caplog.at_level(logging.INFO, logger="bot.main.wiring"):
            await app.start()
        try:
            answers.append(app.kb.answer("where do we park the bikes"))
        finally:
            await app.close()
    loaded = [r.getMessage() for r in caplog.records if r.name == "bot.main.wiring"]
    assert loaded == [
        "knowledge base: 3 recipes loaded, 0 skipped",
        "knowledge base: 3 recipes loaded, 0 skipped (index from the cache)",
    ]
    assert answers[0] == answers[1] and answers[0].best is not None
    assert answers[0].best.recipe.title == "Bike parking"
    assert len(list((tmp_path / "data" / "kb-cache").glob("kb-*.pickle"))) == 1


_PROBE = """
import contextlib, io, json, sys
from bot.main.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    code = main(["ask", sys.argv[1]])
heavy = sorted({m.split(".")[0] for m in sys.modules} & {"sklearn", "sqlalchemy", "alembic", "matplotlib", "storage"})
print(json.dumps({"code": code, "out": out.getvalue(), "heavy": heavy}))
"""


def _ask_probe(tmp_path: Path, question: str) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COMMUNITYBOT_", "DATABASE_URL"))}
    env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, question],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    probe: dict[str, object] = json.loads(result.stdout)
    return probe


def test_ask_needs_no_database_and_no_scikit_learn_on_a_cache_hit(tmp_path: Path) -> None:
    """`communitybot ask` never imports the database layer; answering from the cache imports no scikit-learn."""
    question = "how many people should be in a learning circle?"
    cold = _ask_probe(tmp_path, question)
    warm = _ask_probe(tmp_path, question)
    assert cold["heavy"] == ["sklearn"]  # building the index trains its classifier
    assert warm["heavy"] == []
    assert cold["code"] == warm["code"] == 0 and cold["out"] == warm["out"]
    out = str(warm["out"])
    assert out.startswith("How big should a learning circle be?\n\n") and "4 to 12 learners" in out
    assert not (tmp_path / "data" / "communitybot.db").exists()
    assert len(list((tmp_path / "data" / "kb-cache").glob("kb-*.pickle"))) == 1


def test_semantic_encoder_runs_torch_on_one_thread_and_reuses_embeddings(tmp_path: Path) -> None:
    """With the [semantic] extra: torch answers on one thread, and a second build embeds nothing again."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("sentence_transformers")
    from knowledge.vectors import make_encoder

    torch.set_num_threads(2)
    encoder = make_encoder("auto", tmp_path / "cache")
    assert encoder.name == "semantic" and torch.get_num_threads() == 1
    texts = ["where do we park the bikes", "how do I book a room"]
    _, first = encoder.fitted(texts, None, [])  # type: ignore[arg-type]
    (stored,) = (tmp_path / "cache").glob("embeddings-*.npz")
    stamp = stored.stat().st_mtime_ns
    _, second = encoder.fitted(texts, None, [])  # type: ignore[arg-type]
    np.testing.assert_array_equal(first, second)
    np.testing.assert_allclose(first[0], encoder.encode(texts[0])[0], atol=1e-5)
    assert stored.stat().st_mtime_ns == stamp  # nothing new to embed, nothing written


def test_semantic_encoder_embeds_a_big_batch_on_torchs_threads_and_answers_on_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A first build's many texts use torch's own thread count; the question after it is back on one thread."""
    torch = pytest.importorskip("torch")
    pytest.importorskip("sentence_transformers")
    from knowledge.vectors import WIDE_BATCH, make_encoder

    encoder = make_encoder("auto")
    wide = encoder._threads  # type: ignore[union-attr]
    if wide < 2:
        pytest.skip("torch sees one core here: nothing to widen")
    seen: list[int] = []
    model = encoder._model  # type: ignore[union-attr]
    real = model.encode
    monkeypatch.setattr(model, "encode", lambda *a, **k: seen.append(torch.get_num_threads()) or real(*a, **k))
    encoder.fitted([f"how do I book room {i}" for i in range(WIDE_BATCH)], None, [])  # type: ignore[arg-type]
    encoder.fitted(["how do I book a room"], None, [])  # type: ignore[arg-type]
    encoder.encode("where do we park the bikes")
    assert seen == [wide, 1, 1] and torch.get_num_threads() == 1


def test_a_part_of_the_texts_or_questions_looked_up_leave_the_stored_embeddings_whole(tmp_path: Path) -> None:
    """The reranker's held-out base (a part of the texts) and its questions (``keep=False``) drop nothing stored."""
    computed: list[str] = []

    def embed(texts: list[str]) -> np.ndarray:
        computed.extend(texts)
        return np.asarray([[len(t), 1.0] for t in texts], dtype=np.float32)

    store = EmbeddingStore(tmp_path, "some/model")
    store.embed(["a cat", "a dog", "a bird"], embed)
    store.embed(["a cat"], embed)
    assert store.embed(["a dog", "a fish"], embed, keep=False).tolist() == [[5, 1], [6, 1]]
    assert computed == ["a cat", "a dog", "a bird", "a fish"]
    computed.clear()
    EmbeddingStore(tmp_path, "some/model").embed(["a bird", "a cat", "a dog"], embed)
    EmbeddingStore(tmp_path, "some/model").embed(["a fish"], embed, keep=False)
    assert computed == ["a fish"]


def test_semantic_rebuild_with_a_reranker_embeds_nothing_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the [semantic] extra: a first build embeds its texts and held-out questions in one batch each at most,
    and a rebuild of the same recipes (an edit elsewhere, a restart without the index cache) embeds nothing."""
    pytest.importorskip("sentence_transformers")
    from knowledge import KnowledgeBase
    from knowledge.loader import Recipe
    from knowledge.vectors import SentenceEncoder, make_encoder

    verbs = ["book", "cancel", "move", "share", "print", "find", "rename", "close", "open", "copy"]
    nouns = ["room", "flyer", "survey", "course", "badge"]
    recipes = [
        Recipe(id=f"{v}-{n}", title=f"{v} the {n}", body="", questions=[f"how {i} do I {v} the {n}" for i in range(10)])
        for v in verbs
        for n in nouns
    ]
    batches: list[int] = []
    real = SentenceEncoder._embed
    monkeypatch.setattr(SentenceEncoder, "_embed", lambda self, texts: batches.append(len(texts)) or real(self, texts))
    encoder = make_encoder("auto", tmp_path / "cache")
    first = KnowledgeBase(recipes, encoder=encoder)
    assert first.mode == "semantic+svm+rerank" and len(batches) == 1
    batches.clear()
    again = KnowledgeBase(recipes, encoder=encoder)
    assert batches == [] and again.search("how do I share the flyer")[0].recipe.id == "share-flyer"
