"""bench/growth.py end to end at a tiny size: a base store of 8 made-up "real" articles, stores
of 30 and 60 articles grown from it with synthetic ones (looked-up vectors), every figure
measured, the JSON and the PNG written."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")

ROOT = Path(__file__).resolve().parents[2]
PLACES = ["Kessel", "Lindvale", "Marlow", "Ostrava", "Pemberton", "Tarnow", "Quillby", "Brenna"]
THINGS = ["bridge", "festival", "budget", "rowing team", "library", "ferry", "museum", "harvest"]
VERBS = ["reopened", "drew crowds", "was approved", "won the final", "extended hours", "sailed"]


def _article(rng: random.Random, i: int) -> dict:
    paragraphs = []
    for p in range(5):
        place, thing, verb = rng.choice(PLACES), rng.choice(THINGS), rng.choice(VERBS)
        first = f"The {thing} in {place} {verb} on day {i * 10 + p}, officials said."
        second = f"About {rng.randint(2, 900)} people in {place} saw it, a {thing} report noted."
        paragraphs.append(f"{first} {second}")
    return {
        "url": f"https://news.test/{i}",
        "title": f"{PLACES[i]} {THINGS[i]} news",
        "published": f"2023-05-{i + 1:02d}",
        "authors": [f"Ann {PLACES[i]}"],
        "text": "\n\n".join(paragraphs),
    }


def test_growth_builds_measures_and_plots(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    rng = random.Random(3)
    articles = [_article(rng, i) for i in range(8)]
    (data / "articles.jsonl").write_text("".join(json.dumps(a) + "\n" for a in articles))
    questions = [
        {"id": "0", "asked_on": "2023-05-20", "question": "What reopened in Kessel?"},
        {"id": "1", "asked_on": "2023-05-03", "question": "How many people saw the ferry?"},
    ]
    (data / "questions_dev.jsonl").write_text("".join(json.dumps(q) + "\n" for q in questions))
    out = tmp_path / "results"
    command = [sys.executable, str(ROOT / "bench" / "growth.py"), "--data", str(data)]
    command += ["--work", str(tmp_path / "work"), "--out", str(out), "--sizes", "30,60"]
    command += ["--cold", "1", "--probe", "3"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    sizes = json.loads((out / "growth.json").read_text())["sizes"]
    assert set(sizes) == {"30", "60"}
    for size, figures in sizes.items():
        index = figures["index"]
        assert 0.8 * int(size) <= index["articles"] <= int(size)  # near and exact copies
        assert index["lexical_load_ms"] > 0 and index["near_dup_probe_matches"] > 0
        assert figures["ask"]["ask_p50_ms"] > 0 and figures["ask"]["ask_as_of_p95_ms"] > 0
        assert figures["cold"]["cold_ask_s"] > 0 and figures["store_mib"] > 0
        for kind in ("lookup", "real"):
            assert figures["ingest"][f"ingest_{kind}"]["added"] >= 1
    built = sizes["60"]["build"]
    assert built["from"] == 30 and built["sentences_looked_up"] > 0
    assert (out / "growth.png").stat().st_size > 10_000
    help_text = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "growth.py"), "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "--sizes" in help_text and "synthetic" in help_text
