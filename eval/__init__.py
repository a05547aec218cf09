"""Evaluation: metrics, question sets, runners, reports."""
