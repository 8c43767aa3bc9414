"""Evaluation: BEIR datasets, named retrievers, metrics, reports, follow-ups, feedback."""
