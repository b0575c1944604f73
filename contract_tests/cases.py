"""Parametrisation shared by the test modules: one case per operation, tagged with the
operation (`-k ListTrainingJobs`, `@pytest.mark.operation`) and `mutating` where it mutates
(`-m "not mutating"`)."""
from __future__ import annotations

import pytest

from fakepai.catalog import Operation, default_catalog


def op_id(op: Operation) -> str:
    return f"{op.product}.{op.action}"


def op_marks(op: Operation, mutating: bool | None = None) -> list:
    marks = [pytest.mark.operation(op.action, product=op.product)]
    if op.mutating if mutating is None else mutating:
        marks.append(pytest.mark.mutating)
    return marks


def operation_params(select=lambda op: True, mutating: bool | None = None) -> list:
    ops = sorted(default_catalog().operations.values(), key=lambda o: (o.product, o.action))
    return [pytest.param(op, id=op_id(op), marks=op_marks(op, mutating)) for op in ops if select(op)]
