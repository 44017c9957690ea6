"""The extractive answerer's learned models (bench/train_answerer.py fits them): a logistic
sentence scorer — does this sentence hold the answer? — and a logistic abstention model over the
best sentence — is answering with it right? Both are linear in named features."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

MODEL = Path(__file__).with_name("answerer_model.json")


@dataclass(frozen=True)
class Linear:
    coefficients: dict[str, float]
    intercept: float

    def logit(self, features: dict[str, float]) -> float:
        return self.intercept + sum(
            w * features.get(name, 0.0) for name, w in self.coefficients.items()
        )


@dataclass(frozen=True)
class AnswererModel:
    sentence: Linear
    abstention: Linear
    threshold: float  # answer when the abstention model's probability reaches this
    # the scorer whose best sentence the abstention model was fitted on (the sentence scorer
    # itself unless the model file names another)
    judge: Linear

    @classmethod
    def load(cls, path: Path = MODEL) -> AnswererModel:
        data = json.loads(path.read_text())
        sentence, abstention = data["sentence"], data["abstention"]
        scorer = Linear(sentence["coefficients"], sentence["intercept"])
        judged_by = abstention.get("judged_by")
        return cls(
            scorer,
            Linear(abstention["coefficients"], abstention["intercept"]),
            float(abstention["threshold"]),
            Linear(judged_by["coefficients"], judged_by["intercept"]) if judged_by else scorer,
        )

    def confidence(self, candidates: list[dict[str, float]]) -> float:
        """How likely answering is right, judged on the best of the candidate sentences (their
        features) by the scorer the abstention model was fitted with (`judge`)."""
        logits = sorted(((self.judge.logit(f), i) for i, f in enumerate(candidates)), reverse=True)
        top, best = logits[0]
        margin = top - logits[1][0] if len(logits) > 1 else 5.0
        return self.answer_probability(candidates[best] | {"logit": top, "margin": margin})

    def answer_probability(self, best: dict[str, float]) -> float:
        """How likely answering with the best sentence (its features, plus "logit" and
        "margin") is right."""
        return 1.0 / (1.0 + math.exp(-self.abstention.logit(best)))
