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
            ("warm ask p50, as_of", "ask.ask_as_of_p50_ms"),
            ("cold CLI ask", "cold.cold_ask_s*1000"),
        ],
    ),
    (
        "what a request reads of the whole store",
        "ms",
        [
            ("first snapshot after an ingest", "ingest.ingest_real.next_snapshot_ms"),
            ("first snapshot of a process", "index.snapshot_ms"),
            ("all records (article list)", "index.records_read_ms"),
        ],
    ),
    (
        "ingest of new articles (per article)",
        "ms per article",
        [
            ("real embedding", "ingest.ingest_real.wall_s/probe"),
            ("looked-up vectors", "ingest.ingest_lookup.wall_s/probe"),
            ("near-dup lookup (catalog)", "index.near_dup_catalog_match_ms_per_article"),
        ],
    ),
    (
        "memory and disk",
        "MiB",
        [
            ("peak RSS, warm asking", "ask.peak_rss_mib"),
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


def _points(sizes: dict, path: str) -> list[tuple[int, float]]:
    points = [(int(x), value(figures, path)) for x, figures in sizes.items()]
    return sorted((x, y) for x, y in points if y is not None and y > 0)


def plot(results: Path, png: Path, before: Path | None = None) -> Path:
    """The figures of `results` against size; with `before` (growth.json of the code before
    the fixes), its figures as dashed lines of the same colour."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = json.loads(results.read_text())["sizes"]
    earlier = json.loads(before.read_text())["sizes"] if before else {}
    xs = sorted({int(size) for size in [*sizes, *earlier]})
    fig, axes = plt.subplots(2, 2, figsize=(10, 7.2), dpi=80)
    for ax, (title, unit, lines) in zip(axes.flat, PANELS, strict=True):
        for label, path in lines:
            points = _points(sizes, path)
            if points:
                (line,) = ax.plot(*zip(*points, strict=True), marker="o", label=label)
                old = _points(earlier, path)
                if old:
                    ax.plot(*zip(*old, strict=True), "--", marker="x", color=line.get_color())
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xticks(xs, [_size_label(x) for x in xs])
        ax.minorticks_off()
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("articles")
        ax.set_ylabel(unit)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    note = "; dashed: before the fixes" if earlier else ""
    fig.suptitle(f"article-qa: how cost grows with the corpus (bench/growth.py{note})", fontsize=11)
    fig.tight_layout()
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png)
    plt.close(fig)
    return png
