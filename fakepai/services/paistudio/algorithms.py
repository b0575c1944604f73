"""PaiStudio algorithms and algorithm versions, and how a training job resolves its algorithm.

First slice (issue 2): a job's algorithm is taken as given (inline AlgorithmSpec, or a name /
version / provider). Registered algorithms, their CRUD and hyper-parameter validation arrive
with issue 3.
"""
from __future__ import annotations

import copy

from fakepai.services.registry import Context


def resolve_for_job(ctx: Context, params: dict) -> tuple[dict | None, dict]:
    """(the resolved algorithm record or None, the job spec to store)."""
    return None, copy.deepcopy(params)
