"""Write, then read back: every mutating operation of the three products, after a success answer,
is checked through the resource's read operation — the change is there.

* creates: the new resource can be read, and shows the values it was created with;
* updates: every scalar parameter sent shows up, under its name, in the read (labels, template
  metadata, TensorBoard settings, campaign remarks, ...);
* stop / start: the status is one a stopped (started) resource shows;
* deletes: the read answers the product's not-found (vocabulary.ERRORS);
* labels, the template's default version, an algorithm version's spec: their own checks.

One request per operation, whatever `--pai-examples` says: a write that answers success and
changes nothing is found here, not left to the stateful machines' luck. On an emulator the clock
is frozen between the write and the read.
"""
from __future__ import annotations

import json
from typing import Callable

import pytest

from contract_tests.cases import operation_params
from contract_tests.checks import ContractViolation, Finding, error_findings, expect_success
from contract_tests.client import Exchange
from contract_tests.recipes import KINDS, job_content, recipe_for
from contract_tests.resources import Kind, dig
from contract_tests.values import resolve
from contract_tests.vocabulary import expected_error

# Statuses a resource may show right after a successful stop / start.
AFTER_STOP = {"PaiStudio.TrainingJob": {"Terminated"},          # DESIGN §3: no Stopping in PaiStudio
              "pai-dlc.Job": {"Stopping", "Stopped"}, "pai-dlc.Tensorboard": {"Stopping", "Stopped"}}
AFTER_START = {"pai-dlc.Tensorboard": {"Pending", "Creating", "Running"}}
# Parameters that are not stored as sent, or not under their own name in the read.
NOT_ECHOED = {"Version", "version", "SetAsDefault", "Keys", "Content", "UserConfig"}


def _kind_of(op) -> tuple[Kind, bool]:
    """The kind the operation writes, and whether it creates one (then the read addresses the new one)."""
    created = next((k for k in KINDS.values() if (k.product, k.create) == op.key), None)
    if created is not None:
        return created, True
    return KINDS[recipe_for(op).kind], False


def _read(kit, kind: Kind, address: dict) -> Exchange:
    return kit.call(kind.product, kind.get, address)


def _body(kind: Kind, ex: Exchange) -> dict:
    data = ex.data if isinstance(ex.data, dict) else {}
    return data.get("Data") if kind.product == "PaiPlugin" and isinstance(data.get("Data"), dict) else data


def _fields(kit, kind: Kind) -> set[str]:
    """The fields the read's response schema names (under Data for PaiPlugin)."""
    read = kit.op(kind.product, kind.get)
    schema = resolve(read, read.response_schema)
    if read.envelope == "paiplugin":
        schema = resolve(read, schema.get("properties", {}).get("Data", {}))
    return set(schema.get("properties", {}))


def _echoes(params: dict, body: dict, fields: set[str], path_params) -> list[Finding]:
    """Every scalar parameter written that the read names shows the value written (absent counts)."""
    return [Finding(f"$.{name}", "the read shows the value written", value, body.get(name, "absent"))
            for name, value in sorted(params.items())
            if name not in path_params and name not in NOT_ECHOED and isinstance(value, (str, int, float, bool))
            and name in fields and body.get(name) != value]


# -- checks that need more than "the values sent show up" -------------------------------------------

def _labels_added(params: dict, body: dict) -> list[Finding]:
    have = {(lb.get("Key"), lb.get("Value")) for lb in body.get("Labels") or []}
    return [Finding("$.Labels", "the label written is there", f"{lb['Key']}={lb['Value']}", sorted(have))
            for lb in params["Labels"] if (lb["Key"], lb["Value"]) not in have]


def _labels_removed(params: dict, body: dict) -> list[Finding]:
    keys = {lb.get("Key") for lb in body.get("Labels") or []}
    gone = set(params["Keys"].split(","))
    return [Finding("$.Labels", "the labels deleted are gone", f"no {sorted(gone)}", sorted(keys))] if keys & gone else []


def _default_version(params: dict, body: dict) -> list[Finding]:
    if body.get("DefaultVersion") != params["Version"]:
        return [Finding("$.DefaultVersion", "the default version is the one set", params["Version"], body.get("DefaultVersion"))]
    return []


def _algorithm_spec(params: dict, body: dict) -> list[Finding]:
    sent, got = params["AlgorithmSpec"], body.get("AlgorithmSpec") or {}
    if isinstance(got, str):
        got = json.loads(got)
    return [Finding(f"$.AlgorithmSpec.{k}", "the spec written is read back", v, got.get(k))
            for k, v in sent.items() if k in ("Image", "Command", "JobType") and got.get(k) != v]


CHECKS: dict[tuple[str, str], Callable[[dict, dict], list[Finding]]] = {
    ("PaiStudio", "UpdateTrainingJobLabels"): _labels_added,
    ("PaiStudio", "DeleteTrainingJobLabels"): _labels_removed,
    ("pai-dlc", "SetJobTemplateDefaultVersion"): _default_version,
    ("PaiStudio", "UpdateAlgorithmVersion"): _algorithm_spec,
    ("PaiStudio", "CreateAlgorithmVersion"): _algorithm_spec,
}


def _second_default_version(kit, params: dict) -> None:
    """SetJobTemplateDefaultVersion must move the default: make version 2 the default first, so
    setting version 1 is a change a read can see."""
    ex = kit.call("pai-dlc", "UpdateJobTemplate", {"TemplateId": params["TemplateId"], "SetAsDefault": True,
                                                   "Content": json.dumps({**job_content(), "UserCommand": "echo v2"})})
    expect_success(kit.op("pai-dlc", "UpdateJobTemplate"), ex, "setting up a second default version")


BEFORE = {("pai-dlc", "SetJobTemplateDefaultVersion"): _second_default_version}


@pytest.mark.parametrize("op", operation_params(lambda op: op.mutating))
def test_write_is_read_back(contract_kit, op):
    kit = contract_kit
    kind, creates = _kind_of(op)
    name = f"{op.product} {op.action}"
    with kit.resources.scope():
        prepared = kit.prepare(op)
        params = prepared.params
        if op.key in BEFORE:
            BEFORE[op.key](kit, params)
        with kit.frozen_clock():
            ex = kit.call(op.product, op.action, params)
            expect_success(op, ex)
            if creates:
                rid = dig(ex.data, kind.id_path)
                address = {kind.id_param: rid, **{p: params.get(p) for p in kind.parent_params}}
            else:
                address = dict(prepared.resource.params)
            read = _read(kit, kind, address)
        what = f"{kind.get} right after a successful {op.action}"
        # Findings about the read are the write's: it is the write whose effect is missing.
        reader = kit.op(kind.product, kind.get)
        if op.action == kind.delete:
            findings = error_findings(reader, read, expected_error(kind.product, "not-found"))
            if findings:
                raise ContractViolation(name, f"{what}: the resource is still there", findings, read)
            return
        if not read.ok or not isinstance(read.data, dict):   # (the read's own schema is conformance's business)
            raise ContractViolation(name, f"{what} fails", [Finding("status", "the resource written can be read",
                                                                    "2xx", f"{read.status} {read.code}")], read)
        body = _body(kind, read)
        findings = _echoes(params, body, _fields(kit, kind), op.path_params)
        if op.key in CHECKS:
            findings += CHECKS[op.key](params, body)
        status = dig(read.data, kind.status_path) if kind.status_path else None
        for verb, table in (("Stop", AFTER_STOP), ("Start", AFTER_START)):
            if op.action.startswith(verb) and status not in table[kind.name]:
                findings.append(Finding(f"$.{kind.status_path}", f"the status right after {op.action}",
                                        sorted(table[kind.name]), status))
    if findings:
        raise ContractViolation(name, f"{what} does not show the change", findings, read)
