#!/usr/bin/env python3
"""A loopback fake of a generic HTTP job API that follows the IETF Idempotency-Key draft, for
Baton's `http` adapter tests: POST /jobs needs an `Idempotency-Key` header (400 without), a repeat
with the same key and body replays the first answer, a repeat while the first is still being
processed is 409, the same key with another body is 422; GET /jobs/{id}; GET /jobs?idempotency_key=K
lists the key's job; POST /jobs/{id}/cancel. Jobs run on a timeline. Auth: a bearer token. Faults
as in fakebase. Listens on 127.0.0.1 only.

usage: http_jobs.py CONFIG.json     prints "PORT <n>" once it listens

CONFIG: {"token": "T", "timeline": [["queued", 50], ["running", 300]], "result": "succeeded",
         "output": {"rows": 3}, "processing_ms": 0, "faults": [...]}
"""
import json
import sys
import time
import uuid

import fakebase
from fakebase import lock

config = json.load(open(sys.argv[1]))
fakebase.set_rules(config.get("faults", []))
jobs = {}
keys = {}  # key -> {"body", "answer" or None while processing}
TIMELINE = config.get("timeline", [["queued", 50], ["running", 300]])


def state(job, now):
    if job["cancelled_at"] is not None:
        return "cancelled"
    return fakebase.timeline_state(job["created"], TIMELINE, config.get("result", "succeeded"), now)


def ended_at(job):
    return job["cancelled_at"] if job["cancelled_at"] is not None else fakebase.timeline_end(job["created"], TIMELINE)


def resource(job):
    current = state(job, time.time())
    body = {"id": job["id"], "status": current, "key": job["key"]}
    if current == "succeeded":
        body["output"] = config.get("output")
    if current == "failed":
        body["error"] = config.get("error", "the job failed")
    return body


class Jobs(fakebase.Handler):
    def error_body(self, status, message):
        return {"type": "about:blank", "title": message, "status": status}

    def stats(self):
        base = fakebase.ledger.stats()
        with lock:
            base.update({"runs": len(jobs), "in_flight_max": fakebase.interval_overlap_max([(j["created"], ended_at(j)) for j in jobs.values()]),
                         "starts": sorted(j["created"] for j in jobs.values())})
        return base


def guarded(function):
    def wrapper(handler, path):
        if handler.bearer() != config.get("token"):
            return (401, {"title": "unauthorized", "status": 401})
        return function(handler, path)
    return wrapper


@guarded
def submit(handler, path):
    raw = handler.headers.get("Idempotency-Key")
    if not raw or not (raw.startswith('"') and raw.endswith('"')):
        return (400, {"title": "an Idempotency-Key header (a quoted string) is required", "status": 400})
    key = raw[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    body = handler.json_body()
    with lock:
        known = keys.get(key)
        if known is not None:
            if known["body"] != body:
                return (422, {"title": "the key was used with another payload", "status": 422})
            if known["answer"] is None:
                return (409, {"title": "a request with this key is still being processed", "status": 409})
            return known["answer"]
        keys[key] = {"body": body, "answer": None}
    time.sleep(config.get("processing_ms", 0) / 1000.0)
    job_id = "job-" + uuid.uuid4().hex[:12]
    with lock:
        jobs[job_id] = {"id": job_id, "key": key, "body": body, "created": time.time(), "cancelled_at": None}
        answer = (201, {"id": job_id, "status": "queued"})
        keys[key]["answer"] = answer
    return answer


@guarded
def job_routes(handler, path):
    parts = path.strip("/").split("/")
    if handler.command == "GET" and parts == ["jobs"]:
        key = handler.query.get("idempotency_key")
        with lock:
            found = [resource(j) for j in jobs.values() if key is None or j["key"] == key]
        return (200, found)
    with lock:
        job = jobs.get(parts[1]) if len(parts) >= 2 else None
    if job is None:
        return (404, {"title": "no such job", "status": 404})
    if handler.command == "GET" and len(parts) == 2:
        return (200, resource(job))
    if handler.command == "POST" and len(parts) == 3 and parts[2] == "cancel":
        with lock:
            if state(job, time.time()) in ("queued", "running"):
                job["cancelled_at"] = time.time()
        return (202, {"id": job["id"], "status": "cancelling"})
    return (404, {"title": "no route", "status": 404})


def fake_runs(handler, path):
    with lock:
        listed = [{"run_id": j["id"], "key": j["key"], "parameters": j["body"], "created": j["created"], "ended": ended_at(j),
                   "cancelled": j["cancelled_at"] is not None} for j in jobs.values()]
    return (200, {"runs": listed})


Jobs.routes = [
    ("GET", "/_fake/runs", fake_runs),
    ("POST", "/jobs", submit),
    ("GET", "/jobs", job_routes),
    ("GET", "/jobs/", job_routes),
    ("POST", "/jobs/", job_routes),
]

fakebase.serve(Jobs)
