#!/usr/bin/env python3
"""A loopback fake of the Databricks Jobs API 2.1 as PLATFORMS.md describes it, for Baton's
adapter tests: run-now and runs/submit deduplicated by idempotency_token, runs/get with
life-cycle and result states on a timeline, runs/get-output of a task's own run (the parent's is
refused, as for runs of several tasks), runs/cancel, jobs/list, and OAuth M2M tokens from
/oidc/v1/token. Faults as in fakebase. Listens on 127.0.0.1 only.

usage: databricks.py CONFIG.json     prints "PORT <n>" once it listens

CONFIG: {
  "token": "<a personal access token it accepts>",
  "oauth": {"client_id": "C", "client_secret": "S", "expires_in": 3600},
  "jobs": {"42": {"name": "ingest", "timeline": [["PENDING", 50], ["RUNNING", 300]],
                  "result": "SUCCESS", "output": "{\\"rows\\": 3}", "error": "..."}},
  "faults": [ ... fakebase rules ... ]
}
A one-time runs/submit follows the job "submit" if configured, else a 300 ms success.
GET /_fake/runs lists every run with its token, parameters, start and end.
"""
import json
import sys
import time
import urllib.parse

import fakebase
from fakebase import lock, ledger

config = json.load(open(sys.argv[1]))
fakebase.set_rules(config.get("faults", []))
runs = {}           # run_id -> run
by_token = {}       # idempotency_token -> run_id
tokens = {}         # issued OAuth token -> expires_at
counters = {"next_run": 1000, "token_fetches": 0, "oauth_refused": 0}
DEFAULT = {"timeline": [["PENDING", 50], ["RUNNING", 300]], "result": "SUCCESS"}


def job_config(run):
    return config.get("jobs", {}).get(str(run["job_id"]), DEFAULT) if run["job_id"] else config.get("jobs", {}).get("submit", DEFAULT)


def life(run, now):
    """(life_cycle_state, result_state or None) of a run at `now`."""
    if run["cancelled_at"] is not None:
        return ("TERMINATED", "CANCELED")
    job = job_config(run)
    state = fakebase.timeline_state(run["created"], job.get("timeline", DEFAULT["timeline"]), None, now)
    return (state, None) if state is not None else ("TERMINATED", job.get("result", "SUCCESS"))


def ended_at(run):
    if run["cancelled_at"] is not None:
        return run["cancelled_at"]
    return fakebase.timeline_end(run["created"], job_config(run).get("timeline", DEFAULT["timeline"]))


class Databricks(fakebase.Handler):
    def error_body(self, status, message):
        code = {429: "REQUEST_LIMIT_EXCEEDED", 503: "TEMPORARILY_UNAVAILABLE", 401: "UNAUTHENTICATED"}.get(status, "INTERNAL_ERROR")
        return {"error_code": code, "message": message}

    def authorized(self):
        token = self.bearer()
        if token is None:
            return False
        if config.get("token") and token == config["token"]:
            return True
        with lock:
            expires = tokens.get(token)
            if expires is not None and expires > time.time():
                return True
            counters["oauth_refused"] += 1
        return False

    def expire(self, token):
        with lock:
            if token in tokens:
                tokens[token] = 0

    def stats(self):
        base = fakebase.ledger.stats()
        with lock:
            intervals = [(run["created"], ended_at(run)) for run in runs.values()]
            base.update({
                "runs": len(runs), "tokens": len(by_token), "token_fetches": counters["token_fetches"],
                "oauth_refused": counters["oauth_refused"],
                "in_flight_max": fakebase.interval_overlap_max(intervals),
                "starts": sorted(run["created"] for run in runs.values()),
            })
        return base


def guarded(function):
    def wrapper(handler, path):
        if not handler.authorized():
            return (401, {"error_code": "UNAUTHENTICATED", "message": "Invalid access token."})
        return function(handler, path)
    return wrapper


def token(handler, path):
    oauth = config.get("oauth", {})
    with lock:
        counters["token_fetches"] += 1
    import base64
    auth = handler.headers.get("Authorization", "")
    try:
        user, _, password = base64.b64decode(auth[len("Basic "):]).decode().partition(":")
    except Exception:
        user = password = ""
    form = urllib.parse.parse_qs(handler.body_bytes().decode())
    if (not oauth or user != oauth.get("client_id") or password != oauth.get("client_secret")
            or form.get("grant_type") != ["client_credentials"] or form.get("scope") != ["all-apis"]):
        return (401, {"error": "invalid_client", "error_description": "Client authentication failed"})
    expires_in = oauth.get("expires_in", 3600)
    with lock:
        issued = "dbx-oauth-%d" % (len(tokens) + 1)
        tokens[issued] = time.time() + expires_in
    return (200, {"access_token": issued, "token_type": "Bearer", "expires_in": expires_in, "scope": "all-apis"})


def start(handler, body, job_id):
    key = body.get("idempotency_token")
    if key is not None and (not isinstance(key, str) or len(key) > 64):
        return (400, {"error_code": "INVALID_PARAMETER_VALUE", "message": "idempotency_token must be at most 64 characters"})
    with lock:
        if key is not None and key in by_token:
            return (200, {"run_id": by_token[key], "number_in_job": by_token[key]})
        counters["next_run"] += 2
        run_id = counters["next_run"]
        runs[run_id] = {"run_id": run_id, "task_run_id": run_id + 1, "job_id": job_id, "token": key,
                        "parameters": body.get("job_parameters") or body.get("tasks", [{}])[0].get("notebook_task", {}).get("base_parameters", {}),
                        "created": time.time(), "cancelled_at": None, "body": body}
        if key is not None:
            by_token[key] = run_id
    return (200, {"run_id": run_id, "number_in_job": run_id})


@guarded
def run_now(handler, path):
    body = handler.json_body()
    if body is None or not isinstance(body.get("job_id"), int):
        return (400, {"error_code": "INVALID_PARAMETER_VALUE", "message": "job_id is required and must be an integer"})
    if str(body["job_id"]) not in config.get("jobs", {}):
        return (400, {"error_code": "INVALID_PARAMETER_VALUE", "message": "Job %d does not exist." % body["job_id"]})
    return start(handler, body, body["job_id"])


@guarded
def submit(handler, path):
    body = handler.json_body()
    tasks = (body or {}).get("tasks") or []
    if not tasks or "notebook_task" not in tasks[0] or not tasks[0].get("existing_cluster_id"):
        return (400, {"error_code": "INVALID_PARAMETER_VALUE", "message": "tasks[0] needs notebook_task and a cluster"})
    return start(handler, body, None)


def find(handler, key="run_id"):
    try:
        run_id = int(handler.query.get(key) or (handler.json_body() or {}).get(key))
    except (TypeError, ValueError):
        return None, (400, {"error_code": "INVALID_PARAMETER_VALUE", "message": "run_id is required"})
    with lock:
        run = runs.get(run_id) or next((r for r in runs.values() if r["task_run_id"] == run_id), None)
    if run is None:
        return None, (400, {"error_code": "INVALID_PARAMETER_VALUE", "message": "Run %d does not exist." % run_id})
    return run, None


@guarded
def get(handler, path):
    run, error = find(handler)
    if error:
        return error
    state, result = life(run, time.time())
    job = job_config(run)
    body = {"run_id": run["run_id"], "job_id": run["job_id"], "run_page_url": "https://fake.databricks/#job/run/%d" % run["run_id"],
            "state": {"life_cycle_state": state, "state_message": job.get("error", "") if result == "FAILED" else ""},
            "tasks": [{"task_key": "main", "run_id": run["task_run_id"], "state": {"life_cycle_state": state}}]}
    if result is not None:
        body["state"]["result_state"] = result
    return (200, body)


@guarded
def get_output(handler, path):
    run, error = find(handler)
    if error:
        return error
    if int(handler.query["run_id"]) == run["run_id"]:
        return (400, {"error_code": "INVALID_PARAMETER_VALUE",
                      "message": "Retrieving the output of runs with multiple tasks is not supported. Please retrieve the output of each individual task run instead."})
    job = job_config(run)
    body = {"metadata": {"run_id": run["task_run_id"]}}
    state, result = life(run, time.time())
    if result == "SUCCESS" and "output" in job:
        body["notebook_output"] = {"result": job["output"], "truncated": False}
    if result == "FAILED":
        body["error"] = job.get("error", "notebook failed")
    if "logs" in job:
        body["logs"] = job["logs"]
    return (200, body)


@guarded
def cancel(handler, path):
    run, error = find(handler)
    if error:
        return error
    with lock:
        if life(run, time.time())[0] != "TERMINATED":
            run["cancelled_at"] = time.time()
    return (200, {})


@guarded
def jobs_list(handler, path):
    jobs = [{"job_id": int(job_id), "settings": {"name": job.get("name", "job %s" % job_id), "parameters": job.get("parameters", [])}}
            for job_id, job in sorted(config.get("jobs", {}).items()) if job_id != "submit"]
    limit = int(handler.query.get("limit", 20))
    return (200, {"jobs": jobs[:limit], "has_more": len(jobs) > limit})


def fake_runs(handler, path):
    with lock:
        listed = [{"run_id": r["run_id"], "token": r["token"], "parameters": r["parameters"], "created": r["created"],
                   "ended": ended_at(r), "cancelled": r["cancelled_at"] is not None} for r in runs.values()]
    return (200, {"runs": listed})


Databricks.routes = [
    ("POST", "/oidc/v1/token", token),
    ("POST", "/api/2.1/jobs/run-now", run_now),
    ("POST", "/api/2.1/jobs/runs/submit", submit),
    ("GET", "/api/2.1/jobs/runs/get", get),
    ("GET", "/api/2.1/jobs/runs/get-output", get_output),
    ("POST", "/api/2.1/jobs/runs/cancel", cancel),
    ("GET", "/api/2.1/jobs/list", jobs_list),
    ("GET", "/_fake/runs", fake_runs),
]

fakebase.serve(Databricks)
