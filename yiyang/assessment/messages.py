"""Scoring problems (scales.engine.Problem) in the reader's language. Pages, the API
and services all word them here, so the same mistake reads the same everywhere."""

from __future__ import annotations

from django.utils.translation import gettext as _

from yiyang.assessment.scales.engine import AnswerError, Problem


def problem_message(problem: Problem) -> str:
    params = {
        "item": problem.label,
        "value": problem.value,
        "allowed": "、".join(str(v) for v in problem.allowed),
        "reason": problem.text,
    }
    if problem.kind == "missing":
        return _("%(item)s: not answered.") % params
    if problem.kind == "invalid":
        return _("%(item)s: %(value)r is not one of its scores (%(allowed)s).") % params
    if problem.kind == "unknown":
        return _("%(item)s is not an item of this scale.") % params
    return _("%(item)s: %(reason)s") % params


def answer_errors(error: AnswerError) -> dict[str, list[str]]:
    """{"answers.<item>" or "conditions.<code>": [message, ...]}."""
    errors: dict[str, list[str]] = {}
    for code, problems in error.problems.items():
        for problem in problems:
            errors.setdefault(f"{problem.source}.{code}", []).append(problem_message(problem))
    return errors
