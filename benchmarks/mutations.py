"""The campaign's development mutations: each one a plausible regression of live PAI or a bug
in the emulator, by class. (The held-out ones are in mutations_held_out.py.)"""
from __future__ import annotations

from mutation_proxy import (Ctx, Mutation, Reply, content_type, drop_field, on_error_body, on_success_body, query_set,
                            says_yes, throttle_once)


# -- schema -------------------------------------------------------------------------------------

def _space_dates(field: str):
    def fn(ctx: Ctx, doc: dict) -> None:
        if isinstance(doc.get(field), str):
            doc[field] = doc[field][:19].replace("T", " ")
    return on_success_body(fn)


def _iso_plugin_dates(ctx: Ctx, doc: dict) -> None:
    data = doc.get("Data")
    if isinstance(data, dict) and isinstance(data.get("CreatedTime"), str):
        data["CreatedTime"] = data["CreatedTime"].replace(" ", "T") + "Z"


def _lower_status(ctx: Ctx, doc: dict) -> None:
    if isinstance(doc.get("Status"), str):
        doc["Status"] = doc["Status"].lower()


def _total_as_text(ctx: Ctx, doc: dict) -> None:
    if "TotalCount" in doc:
        doc["TotalCount"] = str(doc["TotalCount"])


# -- pagination ---------------------------------------------------------------------------------

def _order_ignored(ctx: Ctx) -> None:
    query_set(ctx, "Order", None)


def _asc_reversed(ctx: Ctx, doc: dict) -> None:
    if dict(ctx.query).get("Order", "").lower() == "asc" and isinstance(doc.get("TrainingJobs"), list):
        doc["TrainingJobs"].reverse()


def _page_size_ignored(ctx: Ctx) -> None:
    query_set(ctx, "PageSize", None)


def _page_number_ignored(ctx: Ctx) -> None:
    query_set(ctx, "PageNumber", None)


def _total_plus_one(ctx: Ctx, doc: dict) -> None:
    if isinstance(doc.get("TotalCount"), int):
        doc["TotalCount"] += 1


def _plugin_total_is_page(ctx: Ctx, doc: dict) -> None:
    data = doc.get("Data")
    if isinstance(data, dict) and isinstance(data.get("TrainingJobs"), list):
        data["TotalCount"] = len(data["TrainingJobs"])


def _clamp_page_size(ctx: Ctx) -> None:
    size = dict(ctx.query).get("PageSize", "")
    if size.isdigit() and int(size) > 100:
        query_set(ctx, "PageSize", "100")


def _past_end_is_first_page(ctx: Ctx) -> None:
    number = dict(ctx.query).get("PageNumber", "1")
    if number.isdigit() and int(number) > 3:
        query_set(ctx, "PageNumber", "1")


# -- errors -------------------------------------------------------------------------------------

def _status(status: int):
    def fn(ctx: Ctx, r: Reply, doc: dict) -> None:
        if r.status == 404:
            r.status = status
    return on_error_body(fn)


def _code(old_prefix: str, new: str):
    def fn(ctx: Ctx, r: Reply, doc: dict) -> None:
        if str(doc.get("Code", "")).startswith(old_prefix):
            doc["Code"] = new
    return on_error_body(fn)


def _fill_template_name(ctx: Ctx) -> None:
    doc = ctx.json
    if isinstance(doc, dict) and "TemplateName" not in doc:
        doc["TemplateName"] = "filled-in-by-the-broken-target"
        ctx.json = doc


def _bad_value_500(ctx: Ctx, r: Reply, doc: dict) -> None:
    if doc.get("Code", "").startswith("InvalidParameter"):
        r.status, doc["Code"] = 500, "InternalError"


def _unknown_id_accepted(ctx: Ctx) -> Reply | None:
    return says_yes(ctx) if "missing" in ctx.path else None


# -- protocol -----------------------------------------------------------------------------------

def _no_request_id_header(ctx: Ctx, r: Reply) -> None:
    r.set_header("x-acs-request-id", None)


def _other_request_id_header(ctx: Ctx, r: Reply) -> None:
    r.set_header("x-acs-request-id", "00000000-0000-4000-8000-000000000000")


def _errors_as_html(ctx: Ctx, r: Reply) -> None:
    if not r.ok:
        r.set_header("content-type", "text/html")


MUTATIONS = [
    # schema
    Mutation("S1 ListTrainingJobs drops TotalCount (alipai needs it)", "schema", ("PaiStudio ListTrainingJobs",),
             reply=drop_field("TotalCount")),
    Mutation("S2 CreateJob answers without JobId", "schema", ("pai-dlc CreateJob",), reply=drop_field("JobId")),
    Mutation("S3 GetJob GmtCreateTime as 'YYYY-MM-DD HH:MM:SS'", "schema", ("pai-dlc GetJob",),
             reply=_space_dates("GmtCreateTime")),
    Mutation("S4 GetTrainingJob Status lower-case", "schema", ("PaiStudio GetTrainingJob",),
             reply=on_success_body(_lower_status)),
    Mutation("S5 ListJobTemplates TotalCount as text", "schema", ("pai-dlc ListJobTemplates",),
             reply=on_success_body(_total_as_text)),
    Mutation("S6 GetTensorboard drops Status", "schema", ("pai-dlc GetTensorboard",), reply=drop_field("Status")),
    Mutation("S7 PaiPlugin GetCampaign CreatedTime as ISO-8601", "schema", ("PaiPlugin GetCampaign",),
             reply=on_success_body(_iso_plugin_dates)),
    Mutation("S8 PaiPlugin ListTrainingJobs drops Data.TotalCount", "schema", ("PaiPlugin ListTrainingJobs",),
             reply=drop_field("Data.TotalCount")),
    Mutation("S9 PaiStudio CreateTrainingJob answers without TrainingJobId", "schema", ("PaiStudio CreateTrainingJob",),
             reply=drop_field("TrainingJobId")),
    Mutation("S10 ListAlgorithms items without AlgorithmId", "schema", ("PaiStudio ListAlgorithms",),
             reply=drop_field("Algorithms[*].AlgorithmId")),
    Mutation("S11 PaiPlugin GetTrainingJob envelope without ErrorMessage", "schema", ("PaiPlugin GetTrainingJob",),
             reply=drop_field("ErrorMessage")),
    Mutation("S12 ListJobs items without Status", "schema", ("pai-dlc ListJobs",), reply=drop_field("Jobs[*].Status")),
    # pagination
    Mutation("P1 ListJobs ignores Order", "pagination", ("pai-dlc ListJobs",), request=_order_ignored),
    Mutation("P2 ListTrainingJobs Order=asc comes back descending", "pagination", ("PaiStudio ListTrainingJobs",),
             reply=on_success_body(_asc_reversed)),
    Mutation("P3 PaiPlugin ListCampaigns ignores PageSize", "pagination", ("PaiPlugin ListCampaigns",),
             request=_page_size_ignored),
    Mutation("P4 ListJobTemplates TotalCount one too many", "pagination", ("pai-dlc ListJobTemplates",),
             reply=on_success_body(_total_plus_one)),
    Mutation("P5 ListTensorboards ignores PageNumber", "pagination", ("pai-dlc ListTensorboards",),
             request=_page_number_ignored),
    Mutation("P6 PaiPlugin ListTrainingJobs TotalCount is the page's length", "pagination", ("PaiPlugin ListTrainingJobs",),
             reply=on_success_body(_plugin_total_is_page)),
    Mutation("P7 ListJobs clamps PageSize above 100 instead of rejecting it", "pagination", ("pai-dlc ListJobs",),
             request=_clamp_page_size),
    Mutation("P8 ListTrainingJobs: a page past the end repeats page 1", "pagination", ("PaiStudio ListTrainingJobs",),
             request=_past_end_is_first_page),
    Mutation("P9 ListTensorboards ignores Order", "pagination", ("pai-dlc ListTensorboards",), request=_order_ignored),
    # errors
    Mutation("E1 GetJob unknown id answers 400", "errors", ("pai-dlc GetJob",), reply=_status(400)),
    Mutation("E2 PaiStudio not-found code renamed TrainingJobNotFound", "errors", ("PaiStudio GetTrainingJob",),
             reply=_code("NotFound", "TrainingJobNotFound")),
    Mutation("E3 CreateJobTemplate accepts a missing TemplateName", "errors", ("pai-dlc CreateJobTemplate",),
             request=_fill_template_name),
    Mutation("E4 ListJobs bad value answers 500", "errors", ("pai-dlc ListJobs",), reply=on_error_body(_bad_value_500)),
    Mutation("E5 pai-dlc bad value code renamed BadRequest", "errors", ("pai-dlc UpdateTensorboard", "pai-dlc ListJobs"),
             reply=_code("InvalidParameter", "BadRequest")),
    Mutation("E6 StopTensorboard of an unknown id says yes", "errors", ("pai-dlc StopTensorboard",),
             answer=_unknown_id_accepted),
    Mutation("E7 PaiPlugin GetCampaign unknown id answers 500", "errors", ("PaiPlugin GetCampaign",), reply=_status(500)),
    Mutation("E8 pai-dlc missing parameter code renamed InvalidParameter", "errors", ("pai-dlc CreateJob",),
             reply=_code("Missing", "InvalidParameter")),
    Mutation("E9 GetAlgorithm not-found answers 403 Forbidden", "errors", ("PaiStudio GetAlgorithm",), reply=_status(403)),
    # state
    Mutation("T1 UpdateTrainingJobLabels says yes, changes nothing", "state", ("PaiStudio UpdateTrainingJobLabels",), forget=True),
    Mutation("T2 StopJob says yes, stops nothing", "state", ("pai-dlc StopJob",), forget=True),
    Mutation("T3 SetJobTemplateDefaultVersion says yes, changes nothing", "state",
             ("pai-dlc SetJobTemplateDefaultVersion",), forget=True),
    Mutation("T4 PaiPlugin DeleteCampaign says yes, deletes nothing", "state", ("PaiPlugin DeleteCampaign",), forget=True),
    Mutation("T5 UpdateJobTemplate metadata update ignored", "state", ("pai-dlc UpdateJobTemplate",),
             forget=True,
             applies=lambda ctx: "Content" not in ctx.params),
    Mutation("T6 StartTensorboard says yes, starts nothing", "state", ("pai-dlc StartTensorboard",), forget=True),
    Mutation("T7 StopTensorboard says yes, stops nothing", "state", ("pai-dlc StopTensorboard",), forget=True),
    Mutation("T8 PaiPlugin DeleteTrainingJob says yes, deletes nothing", "state", ("PaiPlugin DeleteTrainingJob",), forget=True),
    Mutation("T9 DeleteTrainingJobLabels says yes, removes nothing", "state", ("PaiStudio DeleteTrainingJobLabels",), forget=True),
    Mutation("T10 DeleteJob says yes, deletes nothing", "state", ("pai-dlc DeleteJob",), forget=True),
    Mutation("T11 UpdateAlgorithm says yes, changes nothing", "state", ("PaiStudio UpdateAlgorithm",), forget=True),
    Mutation("T12 StopTrainingJob says yes, stops nothing", "state", ("PaiStudio StopTrainingJob",), forget=True),
    Mutation("T13 UpdateJob says yes, changes nothing", "state", ("pai-dlc UpdateJob",), forget=True),
    # protocol
    Mutation("R1 no x-acs-request-id header", "protocol", ("pai-dlc GetJobTemplate",), reply=_no_request_id_header),
    Mutation("R2 x-acs-request-id differs from the body's", "protocol", ("PaiStudio GetAlgorithm",),
             reply=_other_request_id_header),
    Mutation("R3 PaiStudio answers Content-Type text/plain", "protocol", ("PaiStudio ListAlgorithms",),
             reply=content_type("text/plain")),
    Mutation("R4 a 429 without Retry-After (retried by the client)", "protocol", ("PaiStudio ListTrainingJobs",),
             answer=throttle_once("x-acs-retry-after")),
    Mutation("R5 a 429 with no retry headers at all", "protocol", ("pai-dlc GetTensorboard",), answer=throttle_once(None)),
    Mutation("R6 error answers as text/html", "protocol", ("pai-dlc GetJob",), reply=_errors_as_html),
]
