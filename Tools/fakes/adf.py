#!/usr/bin/env python3
"""A loopback fake of Azure Data Factory's REST API (api-version 2018-06-01) and the Entra ID
client-credentials token endpoint, as PLATFORMS.md describes them, for Baton's adapter tests:
createRun (no idempotency: every call is a new run with a service-chosen GUID), pipelineruns/{id},
queryPipelineRuns (lastUpdatedAfter/Before required, PipelineName filters, continuationToken
paging), queryActivityruns, cancel (through Canceling), the factory and its pipelines. Faults as in
fakebase. Listens on 127.0.0.1 only.

usage: adf.py CONFIG.json     prints "PORT <n>" once it listens

CONFIG: {
  "tenant": "T", "client_id": "C", "client_secret": "S", "expires_in": 3599,
  "subscription": "sub", "resource_group": "rg", "factory": "f",
  "pipelines": {"load": {"parameters": {"day": {"type": "String"}},
                         "timeline": [["Queued", 50], ["InProgress", 300]], "result": "Succeeded",
                         "activity": {"name": "Copy", "output": {"rowsCopied": 7}}, "message": "..."}},
  "page_size": 100, "faults": [...]
}
GET /_fake/runs lists every run with its parameters, start and end.
"""
import json
import sys
import time
import urllib.parse
import uuid

import fakebase
from fakebase import lock

config = json.load(open(sys.argv[1]))
fakebase.set_rules(config.get("faults", []))
runs = {}
tokens = {}
counters = {"token_fetches": 0, "queries": 0}
DEFAULT = {"timeline": [["Queued", 50], ["InProgress", 300]], "result": "Succeeded"}
API = "2018-06-01"
PREFIX = "/subscriptions/%s/resourceGroups/%s/providers/Microsoft.DataFactory/factories/%s" % (
    config.get("subscription", "sub"), config.get("resource_group", "rg"), config.get("factory", "f"))


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%06dZ" % int((t % 1) * 1e6)


def parse_iso(text):
    text = text.rstrip("Z").split(".")[0]
    return time.mktime(time.strptime(text, "%Y-%m-%dT%H:%M:%S")) - time.timezone


def status(run, now):
    if run["cancelled_at"] is not None:
        return "Canceling" if now - run["cancelled_at"] < 0.2 else "Cancelled"
    pipeline = config["pipelines"].get(run["pipeline"], DEFAULT)
    return fakebase.timeline_state(run["created"], pipeline.get("timeline", DEFAULT["timeline"]), pipeline.get("result", "Succeeded"), now)


def ended_at(run):
    if run["cancelled_at"] is not None:
        return run["cancelled_at"] + 0.2
    pipeline = config["pipelines"].get(run["pipeline"], DEFAULT)
    return fakebase.timeline_end(run["created"], pipeline.get("timeline", DEFAULT["timeline"]))


def resource(run):
    now = time.time()
    state = status(run, now)
    end = ended_at(run)
    pipeline = config["pipelines"].get(run["pipeline"], DEFAULT)
    body = {"runId": run["id"], "runGroupId": run["id"], "isLatest": True, "pipelineName": run["pipeline"],
            "parameters": {k: str(v) for k, v in run["parameters"].items()}, "runStart": iso(run["created"]),
            "runEnd": iso(end) if end else None, "status": state, "message": pipeline.get("message", "") if state == "Failed" else "",
            "lastUpdated": iso(end or now), "invokedBy": {"name": "Manual", "invokedByType": "Manual"}}
    return body


class ADF(fakebase.Handler):
    def error_body(self, status, message):
        code = {429: "TooManyRequests", 503: "ServiceUnavailable", 401: "AuthenticationFailed", 404: "NotFound"}.get(status, "InternalServerError")
        return {"error": {"code": code, "message": message}}

    def expire(self, token):
        with lock:
            if token in tokens:
                tokens[token] = 0

    def stats(self):
        base = fakebase.ledger.stats()
        with lock:
            base.update({"runs": len(runs), "token_fetches": counters["token_fetches"], "queries": counters["queries"],
                         "in_flight_max": fakebase.interval_overlap_max([(r["created"], ended_at(r)) for r in runs.values()]),
                         "starts": sorted(r["created"] for r in runs.values())})
        return base


def arm(function):
    def wrapper(handler, path):
        token = handler.bearer()
        with lock:
            valid = token is not None and tokens.get(token, 0) > time.time()
        if not valid:
            return (401, {"error": {"code": "ExpiredAuthenticationToken", "message": "The access token is missing, invalid or expired."}})
        if handler.query.get("api-version") != API:
            return (400, {"error": {"code": "InvalidApiVersionParameter", "message": "api-version must be %s" % API}})
        if not path.startswith(PREFIX):
            return (404, {"error": {"code": "ResourceNotFound", "message": "The Resource was not found."}})
        return function(handler, path[len(PREFIX):])
    return wrapper


def token(handler, path):
    with lock:
        counters["token_fetches"] += 1
    form = {k: v[0] for k, v in urllib.parse.parse_qs(handler.body_bytes().decode()).items()}
    tenant = path.strip("/").split("/")[0]
    if (tenant != config.get("tenant") or form.get("grant_type") != "client_credentials" or form.get("client_id") != config.get("client_id")
            or form.get("client_secret") != config.get("client_secret") or form.get("scope") != "https://management.azure.com/.default"):
        return (401, {"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided."})
    expires_in = config.get("expires_in", 3599)
    with lock:
        issued = "arm-token-%d" % (len(tokens) + 1)
        tokens[issued] = time.time() + expires_in
    return (200, {"token_type": "Bearer", "expires_in": expires_in, "ext_expires_in": expires_in, "access_token": issued})


@arm
def factory_routes(handler, rest):
    method = handler.command
    parts = rest.strip("/").split("/")
    if method == "GET" and rest in ("", "/"):
        return (200, {"name": config.get("factory", "f"), "properties": {"provisioningState": "Succeeded"}})
    if method == "GET" and parts == ["pipelines"]:
        return (200, {"value": [{"name": name, "properties": {"parameters": p.get("parameters", {})}} for name, p in sorted(config["pipelines"].items())]})
    if method == "POST" and len(parts) == 3 and parts[0] == "pipelines" and parts[2] == "createRun":
        if parts[1] not in config["pipelines"]:
            return (404, {"error": {"code": "PipelineNotFound", "message": "Pipeline %s not found" % parts[1]}})
        body = handler.json_body()
        if body is None or not isinstance(body, dict):
            return (400, {"error": {"code": "BadRequest", "message": "the body must be a JSON object of parameters"}})
        run_id = str(uuid.uuid4())
        with lock:
            runs[run_id] = {"id": run_id, "pipeline": parts[1], "parameters": body, "created": time.time(), "cancelled_at": None}
        return (200, {"runId": run_id})
    if method == "GET" and len(parts) == 2 and parts[0] == "pipelineruns":
        with lock:
            run = runs.get(parts[1])
        if run is None:
            return (404, {"error": {"code": "PipelineRunNotFound", "message": "Pipeline run %s not found" % parts[1]}})
        return (200, resource(run))
    if method == "POST" and len(parts) == 3 and parts[0] == "pipelineruns" and parts[2] == "cancel":
        with lock:
            run = runs.get(parts[1])
            if run is None:
                return (404, {"error": {"code": "PipelineRunNotFound", "message": "Pipeline run %s not found" % parts[1]}})
            if status(run, time.time()) in ("Queued", "InProgress"):
                run["cancelled_at"] = time.time()
        return (200, None)
    if method == "POST" and len(parts) == 3 and parts[0] == "pipelineruns" and parts[2] == "queryActivityruns":
        with lock:
            run = runs.get(parts[1])
        if run is None:
            return (404, {"error": {"code": "PipelineRunNotFound", "message": "Pipeline run %s not found" % parts[1]}})
        activity = config["pipelines"].get(run["pipeline"], DEFAULT).get("activity")
        value = []
        if activity and status(run, time.time()) == "Succeeded":
            value.append({"activityName": activity["name"], "activityType": "Copy", "status": "Succeeded", "output": activity.get("output", {})})
        return (200, {"value": value})
    if method == "POST" and parts == ["queryPipelineRuns"]:
        body = handler.json_body() or {}
        if "lastUpdatedAfter" not in body or "lastUpdatedBefore" not in body:
            return (400, {"error": {"code": "BadRequest", "message": "lastUpdatedAfter and lastUpdatedBefore are required"}})
        after, before = parse_iso(body["lastUpdatedAfter"]), parse_iso(body["lastUpdatedBefore"])
        names = None
        for f in body.get("filters", []):
            if f.get("operand") == "PipelineName" and f.get("operator") in ("Equals", "In"):
                names = set(f.get("values", []))
        with lock:
            counters["queries"] += 1
            matching = [resource(r) for r in sorted(runs.values(), key=lambda r: r["created"])
                        if (names is None or r["pipeline"] in names)]
        matching = [r for r in matching if after <= parse_iso(r["lastUpdated"]) <= before]
        start = int(body.get("continuationToken") or 0)
        size = config.get("page_size", 100)
        page = matching[start:start + size]
        answer = {"value": page}
        if start + size < len(matching):
            answer["continuationToken"] = str(start + size)
        return (200, answer)
    return (404, {"error": {"code": "NotFound", "message": "no route %s %s" % (method, rest)}})


def fake_runs(handler, path):
    with lock:
        listed = [{"run_id": r["id"], "pipeline": r["pipeline"], "parameters": r["parameters"], "created": r["created"],
                   "ended": ended_at(r), "cancelled": r["cancelled_at"] is not None} for r in runs.values()]
    return (200, {"runs": listed})


ADF.routes = [
    ("GET", "/_fake/runs", fake_runs),
    ("POST", "/%s/oauth2/v2.0/token" % config.get("tenant", "T"), token),
    ("GET", "/subscriptions/", factory_routes),
    ("POST", "/subscriptions/", factory_routes),
]

fakebase.serve(ADF)
