"""The eval suite: dataset validation, metrics, reports, comparison, the LLM judge against a local
fake server, and the regression floors on the bundled corpus (run as `python -m eval --check`)."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from eval.cli import BUNDLED_DATASET
from eval.dataset import CATEGORIES, Case, DatasetError, Evidence, Turn, load_dataset
from eval.judge import LLMJudge
from eval.metrics import citation_support, containment, normalize, reciprocal_rank, token_f1
from eval.report import check_floors, compare, compare_text, html_report, load_floors, table
from eval.runner import Evaluator
from qa.engine import QAEngine
from qa.llm import ChatClient, LLMError
from qa.settings import Settings
from qa.support import SupportChecker

ROOT = Path(__file__).resolve().parents[2]


# ---- the curated dataset ----------------------------------------------------------------------
def test_the_curated_set_covers_every_kind_of_question() -> None:
    cases = load_dataset(BUNDLED_DATASET)
    assert len(cases) >= 60
    by_category = {c: [x for x in cases if x.category == c] for c in CATEGORIES}
    assert all(by_category[c] for c in CATEGORIES)
    conversations = [c for c in cases if c.multi_turn]
    assert len(conversations) >= 10
    assert any(not t.answerable for c in conversations for t in c.turns[1:])
    assert sum(not t.answerable for c in cases for t in c.turns) >= 15
    assert any(
        e.field != "text" for c in by_category["metadata"] for t in c.turns for e in t.evidence
    )


def test_every_gold_quote_is_in_the_corpus(engine: QAEngine) -> None:
    from eval.runner import Corpus

    cases = load_dataset(BUNDLED_DATASET)
    resolved = Corpus(engine).check(cases, strict=True)
    assert sum(len(v) for v in resolved.values()) > 80


def _write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "set.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


GOOD = json.dumps(
    {"id": "a", "question": "Q?", "answerable": True, "answers": ["x"],
     "evidence": [{"article": "T", "quote": "x"}]}
)  # fmt: skip


def test_bad_rows_are_reported_with_their_line_numbers(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        [
            GOOD,
            "{not json",
            json.dumps({"id": "b", "question": "", "answerable": True, "answers": ["x"]}),
            json.dumps({"id": "c", "category": "gossip", "question": "Q?", "answerable": False}),
            json.dumps({"id": "d", "question": "Q?", "answerable": True}),
            json.dumps({"id": "e", "question": "Q?", "answerable": False, "answers": ["x"]}),
            GOOD,
            json.dumps({"id": "f", "question": "Q?", "answerable": False, "as_of": "yesterday"}),
            json.dumps({"id": "g", "turns": [{"question": "Q?", "answerable": "yes"}]}),
            json.dumps({"id": "h", "question": "Q?", "answerable": False, "typo": 1}),
        ],
    )
    with pytest.raises(DatasetError) as err:
        load_dataset(path)
    message = str(err.value)
    for expected in (
        "line 2: not valid JSON",
        "line 3: question must be a non-empty string",
        "line 4: category must be one of",
        "line 5: answers must be a non-empty list",
        "line 6: an unanswerable question has no answers or evidence",
        "line 7: duplicate id 'a' (first on line 1)",
        "line 8: as_of must be an ISO date",
        "line 9: turns[0]: answerable must be true or false",
        "line 10: unknown key(s) typo",
    ):
        assert expected in message


def test_nested_problems_are_one_line_each_and_all_reported(tmp_path: Path) -> None:
    evidence = [{"article": "T", "quote": 1, "field": "byline", "page": 2}, 5, {"article": " "}]
    path = _write(
        tmp_path,
        [
            json.dumps({"id": "a", "question": "Q?", "answerable": True, "answers": ["x", ["y"]],
                        "evidence": evidence, "as_of": "2024-02-30", "note": 3}),
            json.dumps({"id": "b", "turns": []}),
            json.dumps({"id": "c", "turns": [7, {"question": "Q?", "answerable": False,
                                                 "evidence": [{"article": "T"}]}]}),
        ],
    )  # fmt: skip
    with pytest.raises(DatasetError) as err:
        load_dataset(path)
    message = str(err.value)
    expected = [
        "line 1: answers must be a list of strings or a list of lists of strings",
        "line 1: evidence[0]: quote must be a string",
        "line 1: evidence[0]: field must be one of text, authors, source, published, title, "
        "got 'byline'",
        "line 1: evidence[0]: unknown key(s) page",
        "line 1: evidence[1]: must be an object",
        "line 1: evidence[2]: article must be a non-empty string",
        "line 1: as_of must be an ISO date (YYYY-MM-DD), got '2024-02-30'",
        "line 1: note must be a string",
        "line 2: turns must be a non-empty list",
        "line 3: turns[0]: must be an object",
        "line 3: turns[1]: an unanswerable question has no answers or evidence",
    ]
    lines = message.splitlines()[1:]
    assert sorted(line.strip() for line in lines) == sorted(expected)
    assert message.startswith(f"{path}: {len(expected)} problem(s)")


def test_valid_rows_become_the_runner_s_dataclasses(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        [
            GOOD,
            json.dumps({"id": "v", "category": "follow-up", "as_of": "2025-12-18", "turns": [
                {"question": "Who?", "answerable": True, "answers": [["Putin"], ["Erdogan"]],
                 "evidence": [{"article": "T", "quote": "Ada", "field": "authors"}]},
                {"question": "Where?", "answerable": False, "as_of": "2025-12-20", "note": "n"}]}),
        ],
    )  # fmt: skip
    single, conversation = load_dataset(path)
    assert single == Case(
        "a", "single-fact", (Turn("Q?", True, (("x",),), (Evidence("T", "x"),)),), 1
    )
    assert conversation.line == 2 and conversation.multi_turn
    first, second = conversation.turns
    assert first.answers == (("Putin",), ("Erdogan",)) and first.as_of == "2025-12-18"
    assert first.evidence == (Evidence("T", "Ada", "authors"),)
    assert second.answers == () and second.evidence == ()
    assert second.as_of == "2025-12-20" and second.note == "n"


def test_a_missing_or_empty_dataset_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="dataset not found"):
        load_dataset(tmp_path / "nope.jsonl")
    with pytest.raises(DatasetError, match="no cases"):
        load_dataset(_write(tmp_path, [""]))


def test_a_quote_the_corpus_lacks_is_reported(engine: QAEngine, tmp_path: Path) -> None:
    from eval.runner import Corpus

    title = engine.articles()[0].title
    path = _write(
        tmp_path,
        [
            json.dumps({"id": "q", "question": "Q?", "answerable": True, "answers": ["x"],
                        "evidence": [{"article": title, "quote": "words nowhere in it"}]}),
            json.dumps({"id": "r", "question": "Q?", "answerable": True, "answers": ["x"],
                        "evidence": [{"article": "No such article", "quote": "x"}]}),
        ],
    )  # fmt: skip
    with pytest.raises(DatasetError) as err:
        Corpus(engine).check(load_dataset(path), strict=True)
    assert "line 1 (q, turn 1): quote not found" in str(err.value)
    assert "line 2 (r, turn 1): no article 'No such article'" in str(err.value)


# ---- metrics ----------------------------------------------------------------------------------
def test_answer_matching_normalises_and_needs_every_part() -> None:
    assert normalize("The $2.5 billion, Erdoğan’s [1]") == "25 billion erdogan"
    assert containment("Türkiye paid $2.5 billion. [1]", [["2.5 billion"]])
    assert containment("Recep Tayyip Erdoğan said", [["Recep Tayyip Erdogan"]])
    assert not containment("Russia said", [["US"]])  # whole words only
    assert not containment("Putin visited", [["Putin"], ["Erdogan"]])
    assert containment("Putin and Erdogan", [["Putin"], ["Erdogan", "Erdoğan"]])
    assert token_f1("Putin", [["Vladimir Putin"]]) == pytest.approx(2 / 3)
    assert token_f1("", [["x"]]) == 0.0
    assert reciprocal_rank([False, False, True]) == pytest.approx(1 / 3)
    assert reciprocal_rank([False]) == 0.0


def test_citation_recall_and_precision(embedder) -> None:  # noqa: ANN001
    checker = SupportChecker(embedder)
    fact = "In 2017, Türkiye purchased four S-400 air defense systems from Russia for $2.5 billion."
    other = (
        "Asked about efforts to end the war in Ukraine, Peskov said Russia is preparing contacts."
    )
    good = citation_support([(fact, [1])], {1: fact}, checker)
    assert good["recall"] == 1.0 and good["precision"] == 1.0
    # a citation whose offsets point at another sentence supports nothing
    wrong = citation_support([(fact, [1])], {1: other}, checker)
    assert wrong["recall"] == 0.0 and wrong["precision"] == 0.0
    # an extra citation that adds nothing is imprecise (ALCE)
    padded = citation_support([(fact, [1, 2])], {1: fact, 2: other}, checker)
    assert padded["recall"] == 1.0 and padded["precision"] == 0.5
    # a sentence without a citation is unsupported
    bare = citation_support([(fact, [1]), ("Putin likes tea.", [])], {1: fact}, checker)
    assert bare["recall"] == 0.5


# ---- a run, its reports, comparison -----------------------------------------------------------
@pytest.fixture(scope="module")
def small_run(engine: QAEngine, embedder) -> dict:  # noqa: ANN001
    cases = load_dataset(BUNDLED_DATASET)
    picked = [c for c in cases if c.category in ("single-fact", "unanswerable")][:6]
    picked += [c for c in cases if c.multi_turn][:2]
    picked += [c for c in cases if c.category == "metadata"][:2]
    run = Evaluator(engine, SupportChecker(embedder)).run(picked, progress=False)
    return run.to_dict()


def test_a_run_scores_every_turn(small_run: dict) -> None:
    summary, turns = small_run["summary"], small_run["turns"]
    assert summary["turns"] == len(turns) > 10
    assert summary["citation_validity"] == 1.0  # every quote sits at its offsets
    for t in turns:
        assert t["verdict"] in {
            "correct",
            "false abstention",
            "wrong answer",
            "answered the unanswerable",
            "invalid citation",
            "unsupported sentence",
        }
        assert all(c["valid"] for c in t["citations"])
    assert any(t["retrieval"] for t in turns)
    assert any(c["field"] != "text" for t in turns for c in t["citations"])  # metadata answers
    assert set(summary["accuracy_by_turn"]) >= {"1", "2"}
    json.dumps(small_run)  # the JSON report is serialisable


def test_reports_render_and_escape(small_run: dict) -> None:
    text = table(small_run["summary"], {"accuracy": 0.1, "false_abstention_rate": 0.99})
    assert "answer containment" in text and "ok" in text
    evil = json.loads(json.dumps(small_run))
    evil["turns"][0].update(
        verdict="wrong answer", answer="<script>alert(1)</script>", question="<img src=x onerror=1>"
    )
    page = html_report(evil, {"accuracy": 0.99})
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "<img src=x" not in page
    assert page.count("<svg") >= 10  # a chart per metric


def test_compare_lists_what_got_better_and_worse(small_run: dict) -> None:
    before = json.loads(json.dumps(small_run))
    after = json.loads(json.dumps(small_run))
    before["turns"][0]["correct"], after["turns"][0]["correct"] = False, True
    before["turns"][1]["correct"], after["turns"][1]["correct"] = True, False
    after["summary"]["accuracy"] = (before["summary"]["accuracy"] or 0) + 0.1
    result = compare(before, after)
    assert len(result["fixed"]) == 1 and len(result["broken"]) == 1
    accuracy = next(m for m in result["metrics"] if m["metric"] == "accuracy")
    assert accuracy["better"] is True
    assert "now correct: 1" in compare_text(result) and "now wrong: 1" in compare_text(result)


def test_floors(tmp_path: Path) -> None:
    summary = {"accuracy": 0.8, "false_abstention_rate": 0.2, "k": 5}
    assert check_floors(summary, {"accuracy": 0.8, "false_abstention_rate": 0.2}) == []
    missed = check_floors(summary, {"accuracy": 0.85, "false_abstention_rate": 0.1, "mrr": 0.5})
    assert missed == [
        "accuracy: 0.800 is below the floor 0.850",
        "false_abstention_rate: 0.200 is above the ceiling 0.100",
        "mrr: not measured (floor 0.5)",
    ]
    bad = tmp_path / "floors.json"
    bad.write_text('{"floors": {"accuracy": "high"}}')
    with pytest.raises(Exception, match="must hold"):
        load_floors(bad)


# ---- the LLM judge, against a local OpenAI-compatible fake ---------------------------------
class _FakeLLM(BaseHTTPRequestHandler):
    """Judges claims ("tea" is unsupported); "garbage", "boom", "crash", "no choices", "no text"
    in the last message ask for a broken reply. Remembers each request's Authorization header."""

    authorizations: list[str | None] = []

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _FakeLLM.authorizations.append(self.headers.get("Authorization"))
        claim = body["messages"][-1]["content"].rsplit("Claim:", 1)[-1]
        payload, status = self._reply(claim)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(payload)

    def _reply(self, claim: str) -> tuple[bytes, int]:
        if "garbage" in claim:
            return b"not json", 200
        if "boom" in claim:
            return b'{"error": "overloaded"}', 503
        if "crash" in claim:  # a careless server that echoes the request's key
            return json.dumps(
                {"error": f"bad key {self.headers.get('Authorization')}"}
            ).encode(), 500
        if "no choices" in claim:
            return b'{"id": "x", "object": "chat.completion"}', 200
        if "no text" in claim:
            return b'{"choices": [{"message": {"role": "assistant"}}]}', 200
        verdict = "UNSUPPORTED" if "tea" in claim else "SUPPORTED"
        return json.dumps({"choices": [{"message": {"content": verdict}}]}).encode(), 200

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def fake_llm() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _FakeLLM)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/v1"
    server.shutdown()


def test_llm_judge_against_a_local_server(fake_llm: str) -> None:
    judge = LLMJudge(ChatClient(fake_llm, "judge-model"))
    assert judge.supports("Türkiye paid $2.5 billion.", ["...$2.5 billion."]) is True
    assert judge.supports("Putin likes tea.", ["..."]) is False
    with pytest.raises(LLMError, match="not JSON"):
        judge.supports("garbage", ["x"])
    with pytest.raises(LLMError, match="answered 503"):
        judge.supports("boom", ["x"])


def test_an_unreachable_llm_server_is_a_clear_error() -> None:
    client = ChatClient("http://127.0.0.1:9/v1", "m", timeout_s=2)
    with pytest.raises(LLMError, match="cannot reach the LLM server"):
        client.chat([{"role": "user", "content": "hi"}])


def test_a_server_that_never_answers_times_out() -> None:
    with socket.socket() as listener:  # accepts connections (backlog), never replies
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        client = ChatClient(f"http://127.0.0.1:{listener.getsockname()[1]}/v1", "m", timeout_s=0.5)
        start = time.monotonic()
        with pytest.raises(LLMError, match=r"did not answer within 0\.5 s"):
            client.chat([{"role": "user", "content": "hi"}])
        assert time.monotonic() - start < 3


def test_error_statuses_and_replies_without_text_are_clear_errors(fake_llm: str) -> None:
    key = "sk-test-4f9a2c"
    client = ChatClient(fake_llm, "m", api_key=key, timeout_s=5)
    with pytest.raises(LLMError, match=r"answered 500: .*bad key") as err:
        client.chat([{"role": "user", "content": "crash"}])
    assert key not in str(err.value)
    for broken in ("no choices", "no text"):
        with pytest.raises(LLMError, match=r"sent no choices\[0\]\.message\.content"):
            client.chat([{"role": "user", "content": broken}])


def test_the_api_key_is_sent_but_never_shown(
    fake_llm: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    _FakeLLM.authorizations.clear()
    key = "sk-test-77b1e0"
    with_key = ChatClient(fake_llm, "m", api_key=key, timeout_s=5)
    assert with_key.chat([{"role": "user", "content": "Claim: fine"}]) == "SUPPORTED"
    assert ChatClient(fake_llm, "m", timeout_s=5).chat([{"role": "user", "content": "x"}])
    assert _FakeLLM.authorizations == [f"Bearer {key}", None]  # no key: no header at all
    assert key not in repr(with_key) and key not in caplog.text


def test_a_configured_llm_without_the_extra_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "openai", None)  # as if the `llm` extra were not installed
    settings = Settings(llm_base_url="http://127.0.0.1:9/v1", llm_model="m")
    with pytest.raises(
        LLMError, match=r"openai package is missing: pip install 'article-qa\[llm\]'"
    ):
        ChatClient.from_settings(settings)
    assert ChatClient.from_settings(Settings(llm_base_url=None)) is None  # nothing to import


def test_the_judge_adds_its_own_citation_recall(engine: QAEngine, embedder, fake_llm: str) -> None:  # noqa: ANN001
    cases = [c for c in load_dataset(BUNDLED_DATASET) if c.category == "single-fact"][:3]
    judge = LLMJudge(ChatClient(fake_llm, "judge-model"))
    run = Evaluator(engine, SupportChecker(embedder), judge=judge).run(cases, progress=False)
    assert run.summary.get("llm_citation_recall") == 1.0


# ---- the command, as CI runs it ------------------------------------------------------------
def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "eval", "--no-progress", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_eval_check_meets_the_floors_on_the_bundled_corpus(tmp_path: Path) -> None:
    """The grounding guard: the curated set on the bundled corpus must meet eval/floors.json."""
    done = _cli("--check", "--out", str(tmp_path), cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "all floors met" in done.stdout
    reports = sorted(tmp_path.glob("bundled-*.json"))
    assert len(reports) == 1 and reports[0].with_suffix(".html").is_file()
    # the same run compared with itself: nothing changes
    again = _cli("--compare", str(reports[0]), str(reports[0]), cwd=tmp_path)
    assert again.returncode == 0 and "now correct: 0" in again.stdout


def test_eval_user_errors_are_one_line(tmp_path: Path) -> None:
    done = _cli("--dataset", str(tmp_path / "missing.jsonl"), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().endswith("dataset not found: " + str(tmp_path / "missing.jsonl"))
    assert "Traceback" not in done.stderr
    done = _cli("--compare", str(tmp_path / "a.json"), str(tmp_path / "b.json"), cwd=tmp_path)
    assert done.returncode == 2 and "results file not found" in done.stderr


def test_any_corpus_and_dataset(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    """`--corpus` and `--dataset` point the suite at the user's own articles and questions."""
    from eval.cli import main

    corpus = tmp_path / "articles"
    corpus.mkdir()
    (corpus / "ferry.txt").write_text(
        "Varnholm opens ferry terminal\n\nBy Ada Lind\n\n"
        "The new ferry terminal in Varnholm cost 48 million euros, harbour master Olav Brekke "
        "said on Tuesday. The terminal will serve four routes to the islands.\n",
        encoding="utf-8",
    )
    dataset = _write(
        tmp_path,
        [
            json.dumps({"id": "cost", "question": "How much did the Varnholm ferry terminal cost?",
                        "answerable": True, "answers": ["48 million euros"],
                        "evidence": [{"article": "Varnholm opens ferry terminal",
                                      "quote": "The new ferry terminal in Varnholm cost 48 million euros"}]}),
            json.dumps({"id": "mayor", "category": "unanswerable",
                        "question": "Who is the mayor of Varnholm?", "answerable": False}),
        ],
    )  # fmt: skip
    out = tmp_path / "out"
    code = main(
        ["--corpus", str(corpus), "--dataset", str(dataset), "--out", str(out), "--no-progress"]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "2 cases, 2 turns (1 answerable, 1 unanswerable)" in printed
    (report,) = out.glob("set-*.json")
    turns = json.loads(report.read_text(encoding="utf-8"))["turns"]
    assert turns[0]["contained"] and turns[0]["citations"][0]["valid"]
    assert main(["--corpus", str(tmp_path / "nope"), "--dataset", str(dataset)]) == 2


def test_the_news_set_halves_load_and_refuse_another_dataset(capsys) -> None:  # noqa: ANN001
    from eval.cli import HERE, main

    articles = []
    for half in ("tune", "test"):
        cases = load_dataset(HERE / "data" / f"news-{half}.jsonl")
        assert len(cases) > 100 and {c.category for c in cases} >= {"unanswerable", "follow-up"}
        articles.append({c.id.split("-")[0] for c in cases})
    assert len(articles[0]) == len(articles[1]) == 20 and not articles[0] & articles[1]
    assert main(["--news", "test", "--dataset", "x.jsonl"]) == 2
    assert "--news takes neither --realtimeqa nor --dataset" in capsys.readouterr().err


@pytest.mark.parametrize(
    "path",
    sorted((ROOT / "eval" / "data").glob("news-*.jsonl"))
    + sorted((ROOT / "bench" / "data").glob("news-*.jsonl")),
    ids=lambda p: p.name,
)
def test_the_blind_news_sets_load(path: Path) -> None:
    """The blind sets are asked of the 2,000-article store, not of CI's corpus: here only their
    schema, unique ids and an answer alias in every answerable turn's quotes are checked."""
    cases = load_dataset(path)
    assert len({c.id for c in cases}) == len(cases) > 100
    for case in cases:
        for turn in case.turns:
            if turn.answerable:
                quotes = " ".join(e.quote for e in turn.evidence).lower()
                assert all(any(a.lower() in quotes for a in part) for part in turn.answers), case.id
