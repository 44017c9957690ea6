"""growth.json as one PNG: four panels of figures against the number of articles (log-log)."""

from __future__ import annotations

import json
from pathlib import Path

# (panel title, y label, [(label, path into a size's figures)])
PANELS = [
    (
        "asking",
        "ms",
        [
            ("warm ask p50", "ask.ask_p50_ms"),
            ("warm ask p95", "ask.ask_p95_ms"),
            ("warm ask p50, as_of", "ask.ask_as_of_p50_ms"),
            ("cold CLI ask", "cold.cold_ask_s*1000"),
        ],
    ),
    (
        "loading and rebuilding (per process, per revision)",
        "ms",
        [
            ("BM25 index load", "index.lexical_load_ms"),
            ("article records read", "index.records_read_ms"),
            ("BM25 index rebuild", "index.lexical_rebuild_ms"),
            ("near-dup index build", "index.near_dup_index_build_ms"),
        ],
    ),
    (
        "ingest of a batch (per article)",
        "ms per article",
        [
            ("real embedding", "ingest.ingest_real.wall_s/probe"),
            ("looked-up vectors", "ingest.ingest_lookup.wall_s/probe"),
            ("near-dup lookup", "index.near_dup_match_ms_per_article"),
        ],
    ),
    (
        "memory and disk",
        "MiB",
        [
            ("peak RSS, warm asking", "ask.peak_rss_mib"),
            ("peak RSS, cold CLI ask", "cold.cold_ask_peak_rss_mib"),
            ("store on disk", "store_mib"),
        ],
    ),
]


def value(figures: dict, path: str) -> float | None:
    """A figure by dotted path; "*1000" scales it, "/probe" divides by the probe batch (ms)."""
    scale = 1.0
    if path.endswith("*1000"):
        path, scale = path.removesuffix("*1000"), 1000.0
    per_probe = path.endswith("/probe")
    path = path.removesuffix("/probe")
    node: object = figures
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    if not isinstance(node, (int, float)):
        return None
    if per_probe:
        batch = figures.get("ingest", {}).get("probe") or 0
        return 1000.0 * node / batch if batch else None
    return float(node) * scale


def _size_label(n: int) -> str:
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


def plot(results: Path, png: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = json.loads(results.read_text())["sizes"]
    xs = sorted(int(size) for size in sizes)
    fig, axes = plt.subplots(2, 2, figsize=(10, 7.2), dpi=80)
    for ax, (title, unit, lines) in zip(axes.flat, PANELS, strict=True):
        for label, path in lines:
            points = [(x, value(sizes[str(x)], path)) for x in xs]
            points = [(x, y) for x, y in points if y is not None and y > 0]
            if points:
                ax.plot(*zip(*points, strict=True), marker="o", label=label)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xticks(xs, [_size_label(x) for x in xs])
        ax.minorticks_off()
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("articles")
        ax.set_ylabel(unit)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("article-qa: how cost grows with the corpus (bench/growth.py)", fontsize=11)
    fig.tight_layout()
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png)
    plt.close(fig)
    return png
