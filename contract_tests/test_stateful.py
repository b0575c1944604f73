"""Stateful contracts: hypothesis `RuleBasedStateMachine`s drive a resource through random
sequences of operations against a small model, checking invariants after every step.

* DLC job templates: create, update without Content (metadata in place), update with Content (a
  new version; default moves only with SetAsDefault), set the default version (known / unknown),
  get one version / all versions, delete.
* Jobs (PaiStudio training jobs and DLC jobs, one machine with a per-product adapter): create,
  label and unlabel (PaiStudio), list (by name, and by label), stop, delete, and — on an
  emulator — advance the clock.

Every answer is also checked against its response schema. On an emulator the clock is frozen
while a machine runs, so statuses move only when the machine advances it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, consumes, initialize, invariant, precondition, rule, \
    run_state_machine_as_test

from contract_tests.checks import ContractViolation, Finding, expect_error, expect_success
from contract_tests.recipes import IMAGE, ECS_SPEC
from contract_tests.resources import dig
from contract_tests.vocabulary import DLC_JOB, PAISTUDIO_TRAINING_JOB, expected_error


class KitMachine(RuleBasedStateMachine):
    """Holds the kit (set on the subclass by the test) and checks every answer."""

    kit = None

    def ok(self, product: str, action: str, params: dict) -> dict:
        ex = self.kit.call(product, action, params)
        expect_success(self.kit.op(product, action), ex, f"stateful step {action}")
        return ex.data

    def rejected(self, product: str, action: str, params: dict, why: str, failure: str) -> dict:
        """`failure`: the kind (vocabulary.ERRORS) whose status and code the answer must carry."""
        ex = self.kit.call(product, action, params)
        expect_error(self.kit.op(product, action), ex, why, expected_error(product, failure))
        return ex.data

    def violation(self, product: str, action: str, what: str, path: str, expected, actual):
        raise ContractViolation(f"{product} {action}", what, [Finding(path, "model", expected, actual)])


def run_machine(kit, machine: type[KitMachine], steps: int = 10) -> None:
    machine.kit = kit
    # A sequence needs a few runs to reach the interesting orders (update with SetAsDefault, then
    # set an older default back): more examples than a single-request rule gets.
    settings = kit.hypothesis_settings(max_examples=2 * max(1, kit.options.examples), stateful_step_count=steps)
    with kit.resources.scope(), kit.frozen_clock():
        run_state_machine_as_test(machine, settings=settings)


# ------------------------------------------------------------------------------- job templates

DLC = "pai-dlc"
contents = st.builds(
    lambda job_type, cmd, pods: {"JobType": job_type, "UserCommand": f"echo {cmd}",
                                 "JobSpecs": [{"Type": "Worker", "PodCount": pods, "Image": IMAGE, "EcsSpec": ECS_SPEC}]},
    st.sampled_from(["PyTorchJob", "TFJob"]), st.integers(0, 99), st.integers(1, 4))


def _same_content(a, b) -> bool:
    """Content comes back as a JSON string or an object (behavior.md §6.2): compare decoded."""
    decode = lambda v: json.loads(v) if isinstance(v, str) else v  # noqa: E731
    try:
        return decode(a) == decode(b)
    except ValueError:
        return a == b


class JobTemplates(KitMachine):
    templates = Bundle("templates")

    def __init__(self):
        super().__init__()
        self.stem = self.kit.resources.new_name("sm-tpl")
        self.model: dict[str, dict] = {}     # id -> {"name", "description", "versions": {n: content}, "default"}
        self.count = 0

    @initialize(target=templates, content=contents)
    def first(self, content):
        return self.create(content)

    @rule(target=templates, content=contents)
    def create(self, content):
        self.count += 1
        name = f"{self.stem}-{self.count}"
        body = self.ok(DLC, "CreateJobTemplate", {"TemplateName": name, "WorkspaceId": self.kit.target.workspace_id,
                                                  "Content": json.dumps(content), "Description": "v1"})
        tid = body.get("TemplateId")
        for key, want in (("Version", 1), ("DefaultVersion", 1)):
            if key in body and body[key] != want:
                self.violation(DLC, "CreateJobTemplate", "a new template is version 1 and its default", f"$.{key}", want, body[key])
        self.model[tid] = {"name": name, "description": "v1", "versions": {1: content}, "default": 1}
        return tid

    @rule(tid=templates, description=st.sampled_from(["first", "second", "third"]))
    def update_metadata(self, tid, description):
        if tid not in self.model:
            return
        body = self.ok(DLC, "UpdateJobTemplate", {"TemplateId": tid, "Description": description})
        if body.get("VersionCreated") is not False:
            self.violation(DLC, "UpdateJobTemplate", "an update without Content creates no version",
                           "$.VersionCreated", False, body.get("VersionCreated"))
        self.model[tid]["description"] = description
        self.read_back(tid, "UpdateJobTemplate")

    @rule(tid=templates, content=contents, set_default=st.booleans())
    def update_content(self, tid, content, set_default):
        if tid not in self.model:
            return
        m = self.model[tid]
        body = self.ok(DLC, "UpdateJobTemplate", {"TemplateId": tid, "Content": json.dumps(content), "SetAsDefault": set_default})
        new = max(m["versions"]) + 1
        m["versions"][new] = content
        if set_default:
            m["default"] = new
        for key, want in (("VersionCreated", True), ("Version", new), ("DefaultVersion", m["default"])):
            if key in body and body[key] != want:
                self.violation(DLC, "UpdateJobTemplate", f"an update with Content creates version {new}"
                               f"{' and makes it the default' if set_default else ''}", f"$.{key}", want, body[key])
        self.read_back(tid, "UpdateJobTemplate")

    @rule(tid=templates, data=st.data())
    def set_default(self, tid, data):
        if tid not in self.model:
            return
        m = self.model[tid]
        others = sorted(set(m["versions"]) - {m["default"]})   # a change is worth more than a no-op
        version = data.draw(st.sampled_from(others or sorted(m["versions"])), label="version")
        body = self.ok(DLC, "SetJobTemplateDefaultVersion", {"TemplateId": tid, "Version": version})
        m["default"] = version
        if "DefaultVersion" in body and body["DefaultVersion"] != version:
            self.violation(DLC, "SetJobTemplateDefaultVersion", "the default is the version set",
                           "$.DefaultVersion", version, body["DefaultVersion"])
        self.read_back(tid, "SetJobTemplateDefaultVersion")

    def read_back(self, tid, changed_by: str) -> None:
        """Right after a change, GetJobTemplate shows it; a difference is blamed on the change."""
        m = self.model[tid]
        body = self.ok(DLC, "GetJobTemplate", {"TemplateId": tid})
        seen = {"DefaultVersion": body.get("DefaultVersion"), "Description": body.get("Description"),
                "Versions[0].Version": dig(body, "Versions.0.Version")}
        want = {"DefaultVersion": m["default"], "Description": m["description"], "Versions[0].Version": m["default"]}
        for key, value in want.items():
            if seen[key] is not None and seen[key] != value:
                self.violation(DLC, changed_by, f"GetJobTemplate shows the change right after {changed_by}",
                               f"$.{key}", value, seen[key])

    @rule(tid=templates)
    def set_unknown_default(self, tid):
        if tid not in self.model:
            return
        self.rejected(DLC, "SetJobTemplateDefaultVersion", {"TemplateId": tid, "Version": max(self.model[tid]["versions"]) + 5},
                      "setting an unknown version as default is rejected", "not-found")

    @rule(tid=templates, data=st.data())
    def get_version(self, tid, data):
        if tid not in self.model:
            return
        m = self.model[tid]
        version = data.draw(st.sampled_from(sorted(m["versions"])), label="version")
        body = self.ok(DLC, "GetJobTemplate", {"TemplateId": tid, "Version": str(version)})
        got = body.get("Versions") or []
        if len(got) != 1 or got[0].get("Version") != version or not _same_content(got[0].get("Content"), m["versions"][version]):
            self.violation(DLC, "GetJobTemplate", f"Version={version} returns that version's Content", "$.Versions",
                           [{"Version": version, "Content": m["versions"][version]}], got)

    @rule(tid=templates)
    def get_all(self, tid):
        if tid not in self.model:
            return
        m = self.model[tid]
        body = self.ok(DLC, "GetJobTemplate", {"TemplateId": tid, "Version": "all"})
        got = sorted(v.get("Version") for v in body.get("Versions") or [])
        if got != sorted(m["versions"]) or body.get("TotalCount") != len(m["versions"]):
            self.violation(DLC, "GetJobTemplate", "Version=all returns every version", "$.Versions[*].Version",
                           sorted(m["versions"]), got)

    @rule(tid=consumes(templates))
    def delete(self, tid):
        if tid not in self.model:
            return
        self.ok(DLC, "DeleteJobTemplate", {"TemplateId": tid})
        del self.model[tid]
        self.rejected(DLC, "GetJobTemplate", {"TemplateId": tid}, "a deleted template is gone", "not-found")

    @invariant()
    def listing_matches_model(self):
        body = self.ok(DLC, "ListJobTemplates", {"WorkspaceId": self.kit.target.workspace_id, "PageSize": 100,
                                                  "TemplateName": self.stem})
        listed = {t.get("TemplateId"): t for t in body.get("JobTemplates") or []
                  if str(t.get("TemplateName", "")).startswith(self.stem)}
        if set(listed) != set(self.model):
            self.violation(DLC, "ListJobTemplates", "the listing holds exactly the live templates",
                           "$.JobTemplates[*].TemplateId", sorted(self.model), sorted(listed))
        for tid, item in listed.items():
            m = self.model[tid]
            if "DefaultVersion" in item and item["DefaultVersion"] != m["default"]:
                self.violation(DLC, "ListJobTemplates", "the listing shows the default version",
                               f"$.JobTemplates[{tid}].DefaultVersion", m["default"], item["DefaultVersion"])
            if "Description" in item and item["Description"] != m["description"]:
                self.violation(DLC, "ListJobTemplates", "the listing shows the latest description",
                               f"$.JobTemplates[{tid}].Description", m["description"], item["Description"])


@pytest.mark.mutating
@pytest.mark.operation("CreateJobTemplate", "UpdateJobTemplate", "SetJobTemplateDefaultVersion", "GetJobTemplate",
                       "ListJobTemplates", "DeleteJobTemplate", product="pai-dlc")
def test_job_templates_follow_the_model(contract_kit):
    contract_kit.resources.require_mutations("the job-template state machine creates templates")
    run_machine(contract_kit, JobTemplates)


# ------------------------------------------------------------------------------- jobs

@dataclass(frozen=True)
class JobApi:
    product: str
    kind: str
    create: str
    get: str
    list: str
    stop: str
    delete: str
    id_field: str
    name_field: str
    items: str
    statuses: frozenset
    after_stop: frozenset        # statuses a job may show right after a successful stop
    terminal: frozenset
    labels: bool


PAISTUDIO_JOBS = JobApi("PaiStudio", "PaiStudio.TrainingJob", "CreateTrainingJob", "GetTrainingJob", "ListTrainingJobs",
                        "StopTrainingJob", "DeleteTrainingJob", "TrainingJobId", "TrainingJobName", "TrainingJobs",
                        PAISTUDIO_TRAINING_JOB, frozenset({"Terminated"}),
                        frozenset({"Succeed", "Failed", "Terminated", "CreateFailed", "InitializeFailed"}), True)
DLC_JOBS = JobApi("pai-dlc", "pai-dlc.Job", "CreateJob", "GetJob", "ListJobs", "StopJob", "DeleteJob", "JobId",
                  "DisplayName", "Jobs", DLC_JOB, frozenset({"Stopping", "Stopped"}),
                  frozenset({"Succeeded", "Failed", "Stopped"}), False)


class Jobs(KitMachine):
    api: JobApi = PAISTUDIO_JOBS
    jobs = Bundle("jobs")

    def __init__(self):
        super().__init__()
        self.stem = self.kit.resources.new_name("sm-job")
        self.model: dict[str, dict] = {}     # id -> {"labels": {k: v}, "terminal": status or None}
        self.count = 0

    def status(self, jid) -> str:
        return self.ok(self.api.product, self.api.get, {self.api.id_field: jid}).get("Status")

    @rule(target=jobs)
    def create(self):
        api, kit = self.api, self.kit
        self.count += 1
        kind = kit.resources.kinds[api.kind]
        params = kind.create_params(kit.resources, f"{self.stem}-{self.count}", {})
        body = self.ok(api.product, api.create, params)
        jid = body.get(api.id_field)
        labels = {label["Key"]: label["Value"] for label in params.get("Labels", [])} if api.labels else {}
        self.model[jid] = {"labels": labels, "terminal": None}
        return jid

    @precondition(lambda self: self.kit.target.is_emulator)
    @rule(seconds=st.sampled_from([5, 60, 600, 3600]))
    def advance(self, seconds):
        self.kit.target.advance(seconds)

    @precondition(lambda self: self.api.labels)
    @rule(jid=jobs, key=st.sampled_from(["team", "stage"]), value=st.sampled_from(["a", "b"]))
    def label(self, jid, key, value):
        if jid not in self.model:
            return
        self.ok(self.api.product, "UpdateTrainingJobLabels", {"TrainingJobId": jid, "Labels": [{"Key": key, "Value": value}]})
        self.model[jid]["labels"][key] = value

    @precondition(lambda self: self.api.labels)
    @rule(jid=jobs, key=st.sampled_from(["team", "stage"]))
    def unlabel(self, jid, key):
        if jid not in self.model:
            return
        self.ok(self.api.product, "DeleteTrainingJobLabels", {"TrainingJobId": jid, "Keys": key})
        self.model[jid]["labels"].pop(key, None)

    @precondition(lambda self: self.api.labels)
    @rule(key=st.sampled_from(["team", "stage"]), value=st.sampled_from(["a", "b"]))
    def list_by_label(self, key, value):
        api = self.api
        body = self.ok(api.product, api.list, {"WorkspaceId": self.kit.target.workspace_id, "PageSize": 100,
                                               api.name_field: self.stem, "Labels": {key: value}})
        listed = {j.get(api.id_field) for j in dig(body, api.items) or [] if str(j.get(api.name_field, "")).startswith(self.stem)}
        want = {jid for jid, m in self.model.items() if m["labels"].get(key) == value}
        if listed != want:
            self.violation(api.product, api.list, f"Labels={{{key!r}: {value!r}}} lists exactly the jobs with that label",
                           f"$.{api.items}[*].{api.id_field}", sorted(want), sorted(listed))

    @rule(jid=jobs)
    def stop(self, jid):
        api = self.api
        if jid not in self.model:
            return
        before = self.status(jid)
        if before in api.terminal or before == "Stopping":
            self.rejected(api.product, api.stop, {api.id_field: jid}, f"stopping a {before} job is rejected",
                          "illegal-state")
            return
        self.ok(api.product, api.stop, {api.id_field: jid})
        after = self.status(jid)
        if after not in api.after_stop | api.terminal:
            self.violation(api.product, api.stop, "a stopped job shows a stopping/stopped status", "$.Status",
                           sorted(api.after_stop), after)

    @rule(jid=jobs)
    def delete(self, jid):
        api = self.api
        if jid not in self.model:
            return
        status = self.status(jid)
        if status in api.terminal:
            self.ok(api.product, api.delete, {api.id_field: jid})
            del self.model[jid]
            self.rejected(api.product, api.get, {api.id_field: jid}, "a deleted job is gone", "not-found")
        else:
            # DESIGN §3 / behavior.md §5.2: only finished jobs can be deleted.
            self.rejected(api.product, api.delete, {api.id_field: jid}, f"deleting a {status} job is rejected",
                          "illegal-state")

    @invariant()
    def listing_and_statuses_match_model(self):
        api = self.api
        body = self.ok(api.product, api.list, {"WorkspaceId": self.kit.target.workspace_id, "PageSize": 100,
                                               api.name_field: self.stem})
        listed = {j.get(api.id_field): j for j in dig(body, api.items) or []
                  if str(j.get(api.name_field, "")).startswith(self.stem)}
        if set(listed) != set(self.model):
            self.violation(api.product, api.list, "the listing holds exactly the jobs not deleted",
                           f"$.{api.items}[*].{api.id_field}", sorted(self.model), sorted(listed))
        for jid, item in listed.items():
            m = self.model[jid]
            status = item.get("Status")
            if m["terminal"] is not None and status != m["terminal"]:
                self.violation(api.product, api.list, "a finished job stays finished", f"$.{api.items}[{jid}].Status",
                               m["terminal"], status)
            if status in api.terminal:
                m["terminal"] = status
            if api.labels:
                got = {label.get("Key"): label.get("Value") for label in item.get("Labels") or []}
                if got != m["labels"]:
                    self.violation(api.product, api.list, "labels are exactly the ones set",
                                   f"$.{api.items}[{jid}].Labels", m["labels"], got)


class DlcJobs(Jobs):
    api = DLC_JOBS


@pytest.mark.mutating
@pytest.mark.operation("CreateTrainingJob", "GetTrainingJob", "ListTrainingJobs", "StopTrainingJob", "DeleteTrainingJob",
                       "UpdateTrainingJobLabels", "DeleteTrainingJobLabels", product="PaiStudio")
def test_training_jobs_follow_the_model(contract_kit):
    contract_kit.resources.require_mutations("the training-job state machine creates jobs")
    run_machine(contract_kit, Jobs)


@pytest.mark.mutating
@pytest.mark.operation("CreateJob", "GetJob", "ListJobs", "StopJob", "DeleteJob", product="pai-dlc")
def test_dlc_jobs_follow_the_model(contract_kit):
    contract_kit.resources.require_mutations("the DLC job state machine creates jobs")
    run_machine(contract_kit, DlcJobs)
