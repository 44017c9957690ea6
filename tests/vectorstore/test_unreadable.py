"""A folder that cannot be read (permissions) is reported, and `ingest --prune` never removes the
articles that came from it: their files may well still be there.

Permissions do not bind root, so as root the ingest runs in a child process without
capabilities (setpriv), where a mode-000 folder is unreadable as it is for any user."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BODY = (
    "The harbour ferry strike ended on Monday after nine days, the union said, and boats will "
    "sail again from Tuesday morning according to the operator."
)
SCRIPT = """
import json, sys
from qa.engine import QAEngine
engine = QAEngine.open(store=sys.argv[1])
report = engine.ingest([sys.argv[2]], prune=True)
print(json.dumps({"skipped": [[s.origin, s.reason] for s in report.skipped],
                  "removed": list(report.removed),
                  "titles": sorted(r.title for r in engine.articles())}))
"""


def _unprivileged() -> list[str]:
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: permissions cannot be tested")
    return [setpriv, "--inh-caps=-all", "--bounding-set=-all", "--ambient-caps=-all", "--"]


def test_prune_keeps_the_articles_of_an_unreadable_folder(make_engine, tmp_path) -> None:  # noqa: ANN001
    corpus = tmp_path / "news"
    locked = corpus / "locked"
    locked.mkdir(parents=True)
    (corpus / "a.txt").write_text(f"Ferry strike ends\n\n{BODY}", encoding="utf-8")
    (locked / "b.txt").write_text(
        "Bridge opens\n\nThe new river bridge opened to traffic on Friday after three years of "
        "work, the city said, cutting the commute across town by twenty minutes.",
        encoding="utf-8",
    )
    store = tmp_path / "store"
    assert len(make_engine(store).ingest([corpus]).added) == 2
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARTICLE_QA_")}
    env["HF_HUB_OFFLINE"] = "1"
    locked.chmod(0)
    try:
        result = subprocess.run(
            [*_unprivileged(), sys.executable, "-c", SCRIPT, str(store), str(corpus)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        locked.chmod(0o755)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["titles"] == ["Bridge opens", "Ferry strike ends"]  # nothing pruned
    assert out["removed"] == []
    assert [str(locked), "cannot read folder: Permission denied"] in out["skipped"]
