"""The grounding eval suite: `article-qa eval` or `python -m eval` (see README, "Evaluation")."""
