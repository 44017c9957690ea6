"""Run a dataset through the engine and judge every turn: retrieval, answer, citations, abstention."""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from tqdm import tqdm

from eval.classes import failure_classes
from eval.dataset import Case, DatasetError, Evidence, Turn
from eval.judge import LLMJudge
from eval.metrics import (
    citation_support,
    containment,
    hit_at,
    mean,
    percentile,
    ratio,
    reciprocal_rank,
    spans_overlap,
    token_f1,
)
from ingest.noncontent import non_content_spans
from qa.engine import QAEngine
from qa.metadata import field_statement, field_value
from qa.support import SupportChecker
from qa.types import Answer, Citation, Passage
from vectorstore.records import ArticleRecord


@dataclass(frozen=True)
class Gold:
    """One evidence item resolved against the store: the article, and the quote's span."""

    record: ArticleRecord
    field: str
    span: tuple[int, int] | None  # None: the whole article counts (no quote given)


class Corpus:
    """The store's articles, found by id, url or exact title, with their texts cached."""

    def __init__(self, engine: QAEngine) -> None:
        self.engine = engine
        self.records = engine.store.snapshot().records
        self._by_key: dict[str, ArticleRecord] = {}
        for record in self.records.values():
            self._by_key.setdefault(record.title.casefold().strip(), record)
            if record.url:
                self._by_key.setdefault(record.url, record)
            for duplicate in record.duplicates:
                if duplicate.get("url"):
                    self._by_key.setdefault(duplicate["url"], record)
        self._texts: dict[str, str] = {}
        self._non_content: dict[str, list[tuple[int, int]]] = {}

    def find(self, ref: str) -> ArticleRecord | None:
        return (
            self.records.get(ref)
            or self._by_key.get(ref)
            or self._by_key.get(ref.casefold().strip())
        )

    def text(self, article_id: str) -> str:
        if article_id not in self._texts:
            article = self.engine.store.article(article_id)
            self._texts[article_id] = article.text if article is not None else ""
        return self._texts[article_id]

    def non_content(self, article_id: str, span: tuple[int, int]) -> bool:
        """Whether the span overlaps a line of the article that is not content."""
        if article_id not in self._non_content:
            self._non_content[article_id] = non_content_spans(self.text(article_id))
        return any(spans_overlap(span, line) for line in self._non_content[article_id])

    def value(self, article_id: str, name: str) -> str:
        if name == "text":
            return self.text(article_id)
        record = self.records.get(article_id)
        return field_value(record, name) if record else ""

    def resolve(self, evidence: Evidence) -> Gold | str:
        """The gold evidence, or why it cannot be found in this corpus."""
        record = self.find(evidence.article)
        if record is None:
            return f"no article {evidence.article!r} in the corpus"
        if not evidence.quote:
            return Gold(record, evidence.field, None)
        value = self.value(record.id, evidence.field)
        start = value.find(evidence.quote)
        if start < 0:
            return f"quote not found in the {evidence.field} of {record.title!r}: {evidence.quote[:60]!r}"
        return Gold(record, evidence.field, (start, start + len(evidence.quote)))

    def check(self, cases: list[Case], strict: bool) -> dict[tuple[str, int], list[Gold]]:
        """Resolve every turn's evidence; with `strict`, a problem is a DatasetError."""
        resolved: dict[tuple[str, int], list[Gold]] = {}
        problems = []
        for case in cases:
            for i, turn in enumerate(case.turns):
                golds = []
                for evidence in turn.evidence:
                    found = self.resolve(evidence)
                    if isinstance(found, str):
                        problems.append(f"line {case.line} ({case.id}, turn {i + 1}): {found}")
                    else:
                        golds.append(found)
                resolved[(case.id, i)] = golds
        if problems and strict:
            shown = "\n  ".join(problems[:20])
            more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
            raise DatasetError(
                f"the dataset does not match the corpus ({len(problems)} problem(s)):\n  {shown}{more}"
            )
        return resolved


@dataclass
class EvalRun:
    summary: dict[str, Any]
    turns: list[dict[str, Any]]
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"meta": self.meta, "summary": self.summary, "turns": self.turns}


class Evaluator:
    def __init__(
        self,
        engine: QAEngine,
        checker: SupportChecker,
        judge: LLMJudge | None = None,
        k: int = 5,
    ) -> None:
        if k <= 0:
            raise ValueError(f"k must be > 0, got {k}")
        self.engine = engine
        self.checker = checker
        self.judge = judge
        self.k = k

    def run(
        self, cases: list[Case], strict: bool = True, progress: bool = True, as_of: bool = True
    ) -> EvalRun:
        corpus = Corpus(self.engine)
        golds = corpus.check(cases, strict)
        total = sum(len(c.turns) for c in cases)
        bar = tqdm(total=total, desc="eval", unit="q", disable=not progress, file=sys.stderr)
        results = []
        try:
            for case in cases:
                history: list[dict[str, str]] = []
                for i, turn in enumerate(case.turns):
                    result = self._turn(corpus, case, i, turn, golds[(case.id, i)], history, as_of)
                    results.append(result)
                    history += [
                        {"role": "user", "content": turn.question},
                        {"role": "assistant", "content": result["answer"]},
                    ]
                    bar.update(1)
        finally:
            bar.close()
        return EvalRun(summarize(results, self.k), results)

    def _turn(
        self,
        corpus: Corpus,
        case: Case,
        index: int,
        turn: Turn,
        golds: list[Gold],
        history: list[dict[str, str]],
        use_as_of: bool,
    ) -> dict[str, Any]:
        as_of = turn.as_of if use_as_of else None
        started = time.perf_counter()
        answer = self.engine.ask(turn.question, history=history or None, as_of=as_of)
        latency = (time.perf_counter() - started) * 1000
        result = _describe(case, index, turn, golds, as_of)
        result.update(
            {
                "answer": answer.text,
                "abstained": answer.abstained,
                "confidence": round(answer.confidence, 4),
                "query": answer.query,
                "latency_ms": round(latency, 1),
                "citations": [self._citation(corpus, c) for c in answer.citations],
                "related": [
                    {"title": p.title, "article_id": p.article_id, "start": p.start, "end": p.end}
                    for p in answer.related[:3]
                ],
                "retrieval": self._retrieval(answer, turn, golds, as_of),
                "mode": answer.mode,
                "sentences": len(answer.sentences),
                "removed": [{"text": r.text, "reason": r.reason} for r in answer.removed],
                "notice": answer.notice,
            }
        )
        if turn.answerable:
            result.update(_answer_scores(answer, turn, golds))
        if not answer.abstained:
            result.update(self._support(corpus, answer))
        result["correct"] = (
            (not answer.abstained and result["contained"]) if turn.answerable else answer.abstained
        )
        result["verdict"] = _verdict(result)
        return result

    def _retrieval(
        self, answer: Answer, turn: Turn, golds: list[Gold], as_of: dt.date | str | None
    ) -> dict[str, Any] | None:
        """Where the gold passage ranks for the question as searched (text evidence only)."""
        text_golds = [g for g in golds if g.field == "text"]
        if not turn.answerable or not text_golds:
            return None
        depth = max(self.k, 10)
        passages = self.engine.retriever.retrieve(
            answer.query, depth, as_of=as_of, per_article=depth
        )
        relevant = [any(_holds(p, g) for g in text_golds) for p in passages]
        return {
            "rank": next((i + 1 for i, hit in enumerate(relevant) if hit), None),
            "hit@1": hit_at(relevant, 1),
            f"hit@{self.k}": hit_at(relevant, self.k),
            "rr": reciprocal_rank(relevant),
        }

    def _support(self, corpus: Corpus, answer: Answer) -> dict[str, Any]:
        """Citation recall and precision of an answer, judged on what its citations point at."""
        evidence_of = {c.number: self._evidence(corpus, c) for c in answer.citations}
        claims = [(s.text, s.numbers) for s in answer.sentences]
        support = citation_support(claims, evidence_of, self.checker)
        result: dict[str, Any] = {
            "citation_recall": round(support["recall"], 4),
            "citation_precision": round(support["precision"], 4),
            "support": support["sentences"],
        }
        if self.judge is not None:
            result["llm_citation_recall"] = self._judge(claims, evidence_of)
        return result

    def _citation(self, corpus: Corpus, c: Citation) -> dict[str, Any]:
        value = corpus.value(c.article_id, c.field)
        return {
            "number": c.number,
            "article_id": c.article_id,
            "title": c.title,
            "field": c.field,
            "quote": c.quote,
            "start": c.start,
            "end": c.end,
            "valid": bool(value) and value[c.start : c.end] == c.quote,
            "non_content": c.field == "text" and corpus.non_content(c.article_id, (c.start, c.end)),
        }

    def _evidence(self, corpus: Corpus, c: Citation) -> str:
        """What the citation really points at: the article text at its offsets (not its quote)."""
        if c.field == "text":
            return corpus.text(c.article_id)[c.start : c.end]
        record = corpus.records.get(c.article_id)
        if record is None or field_value(record, c.field)[c.start : c.end] != c.quote:
            return ""
        return field_statement(record, c.field)

    def _judge(
        self, claims: list[tuple[str, list[int]]], evidence_of: dict[int, str]
    ) -> float | None:
        assert self.judge is not None
        verdicts = []
        for claim, numbers in claims:
            evidence = [evidence_of[n] for n in numbers if n in evidence_of]
            verdicts.append(bool(evidence) and bool(self.judge.supports(claim, evidence)))
        return round(sum(verdicts) / len(verdicts), 4) if verdicts else None


def _describe(
    case: Case, index: int, turn: Turn, golds: list[Gold], as_of: dt.date | str | None
) -> dict[str, Any]:
    """What a turn's result records before it is answered: the question and its gold."""
    return {
        "case": case.id,
        "category": case.category,
        "turn": index + 1,
        "turns": len(case.turns),
        "line": case.line,
        "question": turn.question,
        "as_of": as_of,
        "answerable": turn.answerable,
        "gold": [list(p) for p in turn.answers],
        "evidence": [
            {"article": g.record.title, "article_id": g.record.id, "field": g.field, "span": g.span}
            for g in golds
        ],
        "note": turn.note,
    }


def _answer_scores(answer: Answer, turn: Turn, golds: list[Gold]) -> dict[str, Any]:
    """Containment, token F1 and whether the gold evidence is cited, for an answerable turn."""
    if answer.abstained:
        return {"contained": False, "f1": 0.0, "cited_gold": None}
    return {
        "contained": containment(answer.text, turn.answers),
        "f1": round(token_f1(answer.text, turn.answers), 4),
        "cited_gold": any(_cites(c, g) for c in answer.citations for g in golds) if golds else None,
    }


def _holds(passage: Passage, gold: Gold) -> bool:
    if passage.article_id != gold.record.id:
        return False
    return gold.span is None or spans_overlap((passage.start, passage.end), gold.span)


def _cites(citation: Citation, gold: Gold) -> bool:
    if citation.article_id != gold.record.id or citation.field != gold.field:
        return False
    return gold.span is None or spans_overlap((citation.start, citation.end), gold.span)


def _verdict(r: dict[str, Any]) -> str:
    if r["answerable"]:
        if r["abstained"]:
            return "false abstention"
        if not r["contained"]:
            return "wrong answer"
    elif not r["abstained"]:
        return "answered the unanswerable"
    if any(not c["valid"] for c in r["citations"]):
        return "invalid citation"
    if r.get("citation_recall") is not None and r["citation_recall"] < 1.0:
        return "unsupported sentence"
    return "correct"


def summarize(turns: list[dict[str, Any]], k: int) -> dict[str, Any]:
    """Dataset-level scores; every figure is in [0, 1] except counts and latencies."""
    answerable = [t for t in turns if t["answerable"]]
    unanswerable = [t for t in turns if not t["answerable"]]
    answered = [t for t in turns if not t["abstained"]]
    retrieved = [t["retrieval"] for t in turns if t["retrieval"]]
    citations = [c for t in turns for c in t["citations"]]
    abstained_right = sum(t["abstained"] for t in unanswerable)
    abstained = sum(t["abstained"] for t in turns)
    multi = [t for t in turns if t["turns"] > 1]
    by_turn: dict[int, list[bool]] = defaultdict(list)
    for t in multi:
        by_turn[t["turn"]].append(t["correct"])
    by_category: dict[str, list[bool]] = defaultdict(list)
    for t in turns:
        by_category[t["category"]].append(t["correct"])
    cited = [t["cited_gold"] for t in answerable if t.get("cited_gold") is not None]
    summary: dict[str, Any] = {
        "cases": len({t["case"] for t in turns}),
        "turns": len(turns),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "citations": len(citations),
        "hit@1": mean([r["hit@1"] for r in retrieved]),
        f"hit@{k}": mean([r[f"hit@{k}"] for r in retrieved]),
        "mrr": mean([r["rr"] for r in retrieved]),
        "containment": mean([t["contained"] for t in answerable]),
        "token_f1": mean([t["f1"] for t in answerable]),
        "cited_gold_evidence": mean(cited),
        "citation_validity": ratio(sum(c["valid"] for c in citations), len(citations)),
        "citation_recall": mean([t["citation_recall"] for t in answered]),
        "citation_precision": mean([t["citation_precision"] for t in answered]),
        "abstention_precision": ratio(abstained_right, abstained),
        "abstention_recall": ratio(abstained_right, len(unanswerable)),
        "false_abstention_rate": ratio(sum(t["abstained"] for t in answerable), len(answerable)),
        "accuracy": mean([t["correct"] for t in turns]),
        "followup_accuracy": mean([t["correct"] for t in multi if t["turn"] > 1]),
        "accuracy_by_turn": {str(n): mean(v) for n, v in sorted(by_turn.items())},
        "accuracy_by_category": {c: mean(v) for c, v in sorted(by_category.items())},
        "latency_p50_ms": percentile([t["latency_ms"] for t in turns], 0.5),
        "latency_p95_ms": percentile([t["latency_ms"] for t in turns], 0.95),
        "k": k,
        "failure_classes": failure_classes(turns),
    }
    llm = [t for t in turns if t.get("mode") == "llm"]
    removed = sum(len(t["removed"]) for t in llm)
    summary["removed_sentence_rate"] = (
        ratio(removed, removed + sum(t["sentences"] for t in llm)) if llm else None
    )
    summary["llm_fallbacks"] = sum(1 for t in turns if t.get("notice"))
    judged = [
        t["llm_citation_recall"] for t in answered if t.get("llm_citation_recall") is not None
    ]
    if judged:
        summary["llm_citation_recall"] = mean(judged)
    return summary


def run_meta(engine: QAEngine, dataset: str, corpus: list[str] | None) -> dict[str, Any]:
    return {
        "dataset": dataset,
        "corpus": corpus,
        "store": engine.store.location,
        "embedding_model": engine.settings.embedding_model,
        "embedding_backend": engine.embedder.backend,
        "articles": len(engine.articles()),
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }
