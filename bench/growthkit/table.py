"""growth.json as the Markdown table of README "How cost grows" (one column per size)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

Row = tuple[str, Callable[[dict], str]]


def _get(figures: dict, path: str) -> float | None:
    node: object = figures
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return float(node) if isinstance(node, (int, float)) else None


def _num(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def _pair(figures: dict, first: str, second: str, digits: int = 0, unit: str = "") -> str:
    a, b = _get(figures, first), _get(figures, second)
    return f"{_num(a, digits)} / {_num(b, digits)}{unit}"


def _wall_cpu(figures: dict, wall: str, cpu: str, digits: int = 1, unit: str = " s") -> str:
    return f"{_num(_get(figures, wall), digits)}{unit} ({_num(_get(figures, cpu), digits)})"


def _rate(figures: dict, kind: str) -> str:
    probe = figures.get("ingest", {}).get(f"ingest_{kind}", {})
    if not probe:
        return "–"
    return (
        f"{probe['articles_per_s']:.2f}/s: {probe['wall_s']:.1f} s ({probe['cpu_s']:.1f}) "
        f"for {probe['added'] + probe['duplicates']}"
    )


def _build_rate(figures: dict) -> str:
    parts = figures.get("build", {}).get("parts", [])
    if not parts:
        return "–"
    articles = sum(p["added"] + p["duplicates"] for p in parts)
    wall = sum(p["wall_s"] for p in parts)
    cpu = sum(p["cpu_s"] for p in parts)
    return f"{articles / wall:.1f}/s ({articles / cpu:.1f}/CPU s)"


def _load(figures: dict) -> str:
    loads = [figures.get("load_before", [None])[0], figures.get("load_after", [None])[0]]
    return "–".join(_num(x, 1) for x in loads if x is not None)


ROWS: list[Row] = [
    (
        "articles stored (chunks)",
        lambda f: f"{_num(_get(f, 'index.articles'))} ({_num(_get(f, 'index.chunks'))})",
    ),
    ("store on disk, MiB", lambda f: _num(_get(f, "store_mib"))),
    ("warm `ask` p50 / p95, ms", lambda f: _pair(f, "ask.ask_p50_ms", "ask.ask_p95_ms")),
    (
        "warm `ask` with `as_of` p50 / p95, ms",
        lambda f: _pair(f, "ask.ask_as_of_p50_ms", "ask.ask_as_of_p95_ms"),
    ),
    (
        "cold `article-qa ask`, wall (CPU)",
        lambda f: _wall_cpu(f, "cold.cold_ask_s", "cold.cold_ask_cpu_s", 2),
    ),
    (
        "peak RSS: warm asking / cold CLI ask, MiB",
        lambda f: _pair(f, "ask.peak_rss_mib", "cold.cold_ask_peak_rss_mib"),
    ),
    ("open: BM25 index load, ms", lambda f: _num(_get(f, "index.lexical_load_ms"), 1)),
    ("open: first snapshot, ms", lambda f: _num(_get(f, "index.snapshot_ms"), 1)),
    (
        "all article records read (article list; a question naming an outlet), ms (CPU)",
        lambda f: _wall_cpu(f, "index.records_read_ms", "index.records_read_cpu_ms", 0, " ms"),
    ),
    (
        "BM25 index built from every chunk, ms (CPU)",
        lambda f: _wall_cpu(
            f, "index.lexical_rebuild_ms", "index.lexical_rebuild_cpu_ms", 0, " ms"
        ),
    ),
    (
        "near-dup lookup per new article, ms: catalog / in-memory LSH",
        lambda f: _pair(
            f,
            "index.near_dup_catalog_match_ms_per_article",
            "index.near_dup_match_ms_per_article",
            2,
        ),
    ),
    (
        "near-dup LSH built from every record, ms",
        lambda f: _num(_get(f, "index.near_dup_index_build_ms")),
    ),
    ("ingest of new articles, real embedding", lambda f: _rate(f, "real")),
    ("ingest of new articles, looked-up vectors", lambda f: _rate(f, "lookup")),
    (
        "first snapshot after that ingest, ms",
        lambda f: _num(_get(f, "ingest.ingest_real.next_snapshot_ms"), 1),
    ),
    (
        "a process's first query (Chroma loads its HNSW graph), ms",
        lambda f: _num(_get(f, "ingest.first_query_ms")),
    ),
    ("build with looked-up vectors (files of 5,000)", _build_rate),
    ("load average (1 min) before–after", _load),
]


def table(results: Path) -> str:
    sizes = json.loads(results.read_text())["sizes"]
    order = sorted(sizes, key=int)
    lines = [
        "| | " + " | ".join(f"{int(s):,}" for s in order) + " |",
        "| --- |" + " ---: |" * len(order),
    ]
    for label, cell in ROWS:
        lines.append(f"| {label} | " + " | ".join(cell(sizes[s]) for s in order) + " |")
    return "\n".join(lines)
