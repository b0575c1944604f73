"""Held-out mutations: written before the kit was tuned and not run while it was (issue 13's
"mutations you did not write"). `mutation_campaign.py --held-out` runs them."""
from __future__ import annotations

from mutation_proxy import Ctx, Mutation, Reply, content_type, drop_field, query_set, throttle_once


def _slash_dates(ctx: Ctx, r: Reply) -> None:
    doc = r.json
    if r.ok and isinstance(doc, dict) and isinstance(doc.get("GmtModifiedTime"), str):
        doc["GmtModifiedTime"] = doc["GmtModifiedTime"][:19].replace("-", "/").replace("T", " ")
        r.json = doc


def _first_page_always(ctx: Ctx) -> None:
    query_set(ctx, "PageNumber", "1")


def _desc_always(ctx: Ctx) -> None:
    if dict(ctx.query).get("Order", "").lower() == "asc":
        query_set(ctx, "Order", "desc")


def _not_found_as_400(ctx: Ctx, r: Reply) -> None:
    doc = r.json
    if r.status == 404 and isinstance(doc, dict):
        r.status = 400
        doc["Code"] = "InvalidParameter"
        r.json = doc


def _missing_as_invalid(ctx: Ctx, r: Reply) -> None:
    doc = r.json
    if isinstance(doc, dict) and str(doc.get("Code", "")).startswith("Missing"):
        doc["Code"] = "InvalidParameter"
        r.json = doc


HELD_OUT = [
    Mutation("H1 ListTensorboards drops TotalCount", "schema", ("pai-dlc ListTensorboards",), reply=drop_field("TotalCount")),
    Mutation("H2 GetAlgorithmVersion GmtModifiedTime as 'YYYY/MM/DD HH:MM:SS'", "schema",
             ("PaiStudio GetAlgorithmVersion",), reply=_slash_dates),
    Mutation("H3 PaiPlugin CreateCampaign drops Data.Id", "schema", ("PaiPlugin CreateCampaign",), reply=drop_field("Data.Id")),
    Mutation("H4 PaiStudio ListAlgorithms ignores PageNumber", "pagination", ("PaiStudio ListAlgorithms",),
             request=_first_page_always),
    Mutation("H5 ListJobTemplates ignores Order=asc", "pagination", ("pai-dlc ListJobTemplates",), request=_desc_always),
    Mutation("H6 PaiPlugin GetTrainingJob unknown id answers 400 InvalidParameter", "errors",
             ("PaiPlugin GetTrainingJob",), reply=_not_found_as_400),
    Mutation("H7 PaiStudio missing parameter answers Code InvalidParameter", "errors",
             ("PaiStudio CreateTrainingJob", "PaiStudio ListTrainingJobInstanceMetrics", "PaiStudio DeleteTrainingJobLabels"),
             reply=_missing_as_invalid),
    Mutation("H8 UpdateTensorboard says yes, changes nothing", "state", ("pai-dlc UpdateTensorboard",),
             forget=True),
    Mutation("H9 PaiStudio DeleteAlgorithm says yes, deletes nothing", "state", ("PaiStudio DeleteAlgorithm",),
             forget=True),
    Mutation("H10 PaiPlugin answers Content-Type text/plain", "protocol", ("PaiPlugin ListCampaigns", "PaiPlugin GetCampaign"),
             reply=content_type("text/plain;charset=utf-8")),
    Mutation("H11 a 429 without x-acs-retry-after (retried by the client)", "protocol", ("pai-dlc ListJobs",),
             answer=throttle_once("retry-after")),
    Mutation("H12 PaiPlugin UpdateCampaign says yes, changes nothing", "state", ("PaiPlugin UpdateCampaign",),
             forget=True),
]
