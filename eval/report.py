"""What a person reads: a terminal table, an HTML report with a chart per metric and the failing
cases, and the comparison of two runs."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from eval.classes import class_lines, compare_lines, failure_classes, fraction
from ingest.errors import InvalidInputError

# (key, label, higher is better)
METRICS: tuple[tuple[str, str, bool], ...] = (
    ("hit@1", "retrieval hit@1", True),
    ("hit@k", "retrieval hit@k", True),
    ("mrr", "retrieval MRR", True),
    ("containment", "answer containment", True),
    ("token_f1", "answer token F1", True),
    ("cited_gold_evidence", "cites the gold evidence", True),
    ("citation_validity", "citation validity", True),
    ("citation_recall", "citation recall", True),
    ("citation_precision", "citation precision", True),
    ("llm_citation_recall", "citation recall (LLM judge)", True),
    ("abstention_precision", "abstention precision", True),
    ("abstention_recall", "abstention recall", True),
    ("false_abstention_rate", "false abstentions", False),
    ("accuracy", "accuracy (all turns)", True),
    ("followup_accuracy", "follow-up accuracy", True),
    ("removed_sentence_rate", "LLM sentences removed", False),
)


def metric_value(summary: dict[str, Any], key: str) -> float | None:
    if key == "hit@k":
        key = f"hit@{summary.get('k', 5)}"
    value = summary.get(key)
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _label(summary: dict[str, Any], key: str, label: str) -> str:
    return label.replace("hit@k", f"hit@{summary.get('k', 5)}")


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def table(summary: dict[str, Any], floors: dict[str, float] | None = None) -> str:
    """The scores as an aligned plain-text table (with floors and a mark when one is missed)."""
    floors = floors or {}
    rows = [("metric", "score", "floor" if floors else "", "")]
    for key, label, higher in METRICS:
        value = metric_value(summary, key)
        if value is None and key not in floors:
            continue
        floor = floors.get(key)
        mark = ""
        if floor is not None:
            ok = value is not None and (value >= floor if higher else value <= floor)
            mark = "ok" if ok else "BELOW FLOOR" if higher else "ABOVE CEILING"
        rows.append(
            (
                _label(summary, key, label),
                _fmt(value),
                _fmt(floor) if floor is not None else "",
                mark,
            )
        )
    width = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(width[i]) for i, cell in enumerate(r)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in width).rstrip())
    counts = (
        f"{summary['cases']} cases, {summary['turns']} turns ({summary['answerable']} answerable, "
        f"{summary['unanswerable']} unanswerable), {summary['citations']} citations; "
        f"latency p50 {summary['latency_p50_ms']} ms, p95 {summary['latency_p95_ms']} ms"
    )
    extra = []
    if summary.get("accuracy_by_turn"):
        extra.append(
            "follow-up accuracy by turn: "
            + ", ".join(f"turn {n}: {_fmt(v)}" for n, v in summary["accuracy_by_turn"].items())
        )
    if summary.get("accuracy_by_category"):
        extra.append(
            "accuracy by category: "
            + ", ".join(f"{c} {_fmt(v)}" for c, v in summary["accuracy_by_category"].items())
        )
    if summary.get("failure_classes"):
        extra += ["failure classes:", *class_lines(summary["failure_classes"])]
    return "\n".join([*lines, "", counts, *extra])


def failures(turns: list[dict[str, Any]], limit: int | None = None) -> list[dict[str, Any]]:
    bad = [t for t in turns if t["verdict"] != "correct"]
    return bad if limit is None else bad[:limit]


def failure_lines(turns: list[dict[str, Any]], limit: int = 15) -> str:
    bad = failures(turns)
    if not bad:
        return "no failing turns"
    lines = [f"{len(bad)} failing turn(s):"]
    for t in bad[:limit]:
        answer = t["answer"] if len(t["answer"]) < 140 else t["answer"][:137] + "..."
        lines.append(f"  [{t['verdict']}] {t['case']} turn {t['turn']}: {t['question']}")
        lines.append(f"      -> {answer}")
    if len(bad) > limit:
        lines.append(f"  ... and {len(bad) - limit} more (see the JSON or HTML report)")
    return "\n".join(lines)


def check_floors(summary: dict[str, Any], floors: dict[str, float]) -> list[str]:
    """The floors this run misses, as readable lines (empty when all are met)."""
    directions = {key: higher for key, _, higher in METRICS}
    missed = []
    for key, floor in floors.items():
        if key not in directions:
            raise InvalidInputError(f"unknown metric in floors: {key!r}")
        value = metric_value(summary, key)
        higher = directions[key]
        if value is None:
            missed.append(f"{key}: not measured (floor {floor})")
        elif (value < floor) if higher else (value > floor):
            word = "below the floor" if higher else "above the ceiling"
            missed.append(f"{key}: {value:.3f} is {word} {floor:.3f}")
    return missed


def load_floors(path: Path) -> dict[str, float]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInputError(f"floors file not found: {path}") from None
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"floors file {path} is not valid JSON: {exc.msg}") from None
    floors = data.get("floors") if isinstance(data, dict) else None
    if not isinstance(floors, dict) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in floors.values()
    ):
        raise InvalidInputError(f'floors file {path} must hold {{"floors": {{"metric": number}}}}')
    return {k: float(v) for k, v in floors.items()}


def load_run(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInputError(f"results file not found: {path}") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise InvalidInputError(
            f"{path} is not a results JSON file written by article-qa eval"
        ) from None
    if not isinstance(data, dict) or "summary" not in data or "turns" not in data:
        raise InvalidInputError(f"{path} is not a results JSON file written by article-qa eval")
    return data


# ---- comparison ------------------------------------------------------------------------------
def compare(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """What got better and worse from run A to run B: metric deltas and turns that flipped."""
    metrics = []
    for key, label, higher in METRICS:
        va, vb = metric_value(a["summary"], key), metric_value(b["summary"], key)
        if va is None and vb is None:
            continue
        delta = None if va is None or vb is None else round(vb - va, 4)
        better = None if not delta else (delta > 0) == higher
        metrics.append(
            {"metric": key, "label": _label(b["summary"], key, label), "a": va, "b": vb,
             "delta": delta, "better": better}
        )  # fmt: skip
    key = lambda t: (t["case"], t["turn"])  # noqa: E731
    before = {key(t): t for t in a["turns"]}
    fixed, broken = [], []
    for t in b["turns"]:
        old = before.get(key(t))
        if old is None or old["correct"] == t["correct"]:
            continue
        (fixed if t["correct"] else broken).append({"before": old, "after": t})
    only = sorted({f"{c} turn {n}" for c, n in set(before) ^ {key(t) for t in b["turns"]}})
    # a run written before the classes were counted has them counted now from its turns
    classes = tuple(
        r["summary"].get("failure_classes") or failure_classes(r["turns"]) for r in (a, b)
    )
    return {
        "metrics": metrics,
        "classes": classes,
        "fixed": fixed,
        "broken": broken,
        "unmatched": only,
    }


def compare_text(result: dict[str, Any]) -> str:
    rows = [("metric", "A", "B", "change")]
    for m in result["metrics"]:
        change = "" if m["delta"] is None else f"{m['delta']:+.3f}"
        if m["better"] is True:
            change += "  better"
        elif m["better"] is False:
            change += "  worse"
        rows.append((m["label"], _fmt(m["a"]), _fmt(m["b"]), change))
    width = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(c.ljust(width[i]) for i, c in enumerate(r)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in width))
    if result.get("classes") and result["classes"][1]:
        lines += ["", "failure classes (A -> B):", *compare_lines(*result["classes"])]
    for title, items in (("now correct", result["fixed"]), ("now wrong", result["broken"])):
        lines.append("")
        lines.append(f"{title}: {len(items)}")
        for item in items[:20]:
            t = item["after"]
            lines.append(f"  {t['case']} turn {t['turn']}: {t['question']}")
            lines.append(f"      A [{item['before']['verdict']}] -> B [{t['verdict']}]")
    if result["unmatched"]:
        lines.append("")
        lines.append(f"in only one run: {', '.join(result['unmatched'][:20])}")
    return "\n".join(lines)


# ---- HTML ------------------------------------------------------------------------------------
_CSS = """
body{font:15px/1.5 -apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:2rem auto;
max-width:1100px;color:#1d2433;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #dde2ea}
.meta{color:#5b6578;font-size:.9rem}.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(250px,1fr));gap:12px}
.card{border:1px solid #dde2ea;border-radius:8px;padding:10px 12px;background:#fbfcfe}
.card .v{font-size:1.5rem;font-weight:600}.card .l{color:#5b6578;font-size:.85rem}
.bad{color:#b42318}.good{color:#067647}table{border-collapse:collapse;width:100%;font-size:.9rem}
td,th{border-bottom:1px solid #e6e9ef;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#f3f5f9}.quote{color:#344054;font-style:italic}.tag{display:inline-block;padding:1px 8px;
border-radius:10px;background:#fee4e2;color:#b42318;font-size:.8rem;white-space:nowrap}
code{background:#f3f5f9;padding:0 3px;border-radius:3px}
"""


def _bar(value: float | None, floor: float | None, higher: bool) -> str:
    """A 0..1 bar as inline SVG, with the floor as a tick."""
    width = 220
    fill = 0 if value is None else max(0.0, min(1.0, value)) * width
    ok = floor is None or (value is not None and (value >= floor if higher else value <= floor))
    colour = "#2e90fa" if ok else "#f04438"
    tick = ""
    if floor is not None:
        x = max(0.0, min(1.0, floor)) * width
        tick = f'<line x1="{x:.1f}" x2="{x:.1f}" y1="0" y2="16" stroke="#101828" stroke-width="2"/>'
    return (
        f'<svg width="{width}" height="16" role="img"><rect width="{width}" height="16" rx="3" '
        f'fill="#eaecf0"/><rect width="{fill:.1f}" height="16" rx="3" fill="{colour}"/>{tick}</svg>'
    )


def _chart(title: str, values: dict[str, float | None]) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(str(k))}</td><td>{_bar(v, None, True)}</td><td>{_fmt(v)}</td></tr>"
        for k, v in values.items()
    )
    return f"<h2>{html.escape(title)}</h2><table>{rows}</table>"


def _citations_html(t: dict[str, Any]) -> str:
    items = []
    for c in t["citations"]:
        where = (
            f"chars {c['start']}–{c['end']}" if c["field"] == "text" else f"article {c['field']}"
        )
        valid = "" if c["valid"] else ' <span class="tag">offsets do not match</span>'
        items.append(
            f"<li>[{c['number']}] <b>{html.escape(c['title'])}</b> ({html.escape(where)}){valid}"
            f'<br><span class="quote">“{html.escape(c["quote"])}”</span></li>'
        )
    for r in t.get("related", []) if t["abstained"] else []:
        items.append(f"<li>related (not an answer): {html.escape(r['title'])}</li>")
    return f"<ul>{''.join(items)}</ul>" if items else ""


def _gold_html(t: dict[str, Any]) -> str:
    if not t["answerable"]:
        note = f" — {html.escape(t['note'])}" if t.get("note") else ""
        return f"<i>not answerable</i>{note}"
    parts = " + ".join(" / ".join(html.escape(a) for a in part) for part in t["gold"])
    sources = "; ".join(html.escape(e["article"]) for e in t["evidence"])
    return f"{parts}<br><span class='meta'>{sources}</span>"


def _classes_html(classes: dict[str, dict[str, Any]]) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(c['label'])}</td><td>{html.escape(fraction(c))}</td>"
        f"<td>{'lower is better' if c['lower_is_better'] else ''}</td></tr>"
        for c in classes.values()
        if c["of"]
    )
    return f"<h2>Failure classes</h2><table>{rows}</table>" if rows else ""


def html_report(run: dict[str, Any], floors: dict[str, float] | None = None) -> str:
    floors = floors or {}
    summary, meta, turns = run["summary"], run.get("meta", {}), run["turns"]
    cards = []
    for key, label, higher in METRICS:
        value = metric_value(summary, key)
        if value is None:
            continue
        floor = floors.get(key)
        ok = floor is None or (value >= floor if higher else value <= floor)
        floor_text = f" · floor {floor:.3f}" if floor is not None else ""
        cards.append(
            f'<div class="card"><div class="l">{html.escape(_label(summary, key, label))}</div>'
            f'<div class="v {"" if ok else "bad"}">{value:.3f}</div>{_bar(value, floor, higher)}'
            f'<div class="l">{"lower is better" if not higher else ""}{floor_text}</div></div>'
        )
    bad = failures(turns)
    rows = "".join(
        f"<tr><td><b>{html.escape(t['case'])}</b><br>turn {t['turn']} · {html.escape(t['category'])}"
        f'<br><span class="tag">{html.escape(t["verdict"])}</span></td>'
        f"<td>{html.escape(t['question'])}</td><td>{html.escape(t['answer'])}{_citations_html(t)}</td>"
        f"<td>{_gold_html(t)}</td></tr>"
        for t in bad
    )
    failing = (
        "<table><tr><th>case</th><th>question</th><th>answer and sources</th><th>gold</th></tr>"
        f"{rows}</table>"
        if bad
        else "<p class='good'>Every turn is correct.</p>"
    )
    meta_line = " · ".join(
        html.escape(f"{k}: {v}") for k, v in meta.items() if v not in (None, "", [])
    )
    counts = (
        f"{summary['cases']} cases · {summary['turns']} turns ({summary['answerable']} answerable, "
        f"{summary['unanswerable']} unanswerable) · {summary['citations']} citations · latency p50 "
        f"{summary['latency_p50_ms']} ms, p95 {summary['latency_p95_ms']} ms"
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<title>article-qa grounding eval</title>"
        f"<style>{_CSS}</style></head><body><h1>article-qa grounding eval</h1>"
        f"<div class='meta'>{meta_line}</div><p>{html.escape(counts)}</p>"
        f"<h2>Metrics</h2><div class='grid'>{''.join(cards)}</div>"
        + _chart("Accuracy by category", summary.get("accuracy_by_category", {}))
        + (
            _chart(
                "Follow-up accuracy by turn",
                {f"turn {n}": v for n, v in summary.get("accuracy_by_turn", {}).items()},
            )
            if summary.get("accuracy_by_turn")
            else ""
        )
        + _classes_html(summary.get("failure_classes", {}))
        + f"<h2>Failing turns ({len(bad)})</h2>{failing}</body></html>"
    )
