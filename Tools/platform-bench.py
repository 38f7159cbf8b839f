#!/usr/bin/env python3
"""Benchmarks each remote adapter as users run it: `baton run` (release build) of a 1,000-task
fan-out of 10-second jobs against the adapter's loopback fake, on this machine. Reports submits/s
(the fake's run starts), status reads per finished task (the fake's request log), and the time
from the platform finishing a run to Baton recording it (the fake's end time against the
TaskSucceeded time in `baton replay --json`), median and p99. Numbers, not assertions.

usage: Tools/platform-bench.py [--tasks N] [--seconds S] [--baton PATH] [--platform databricks|adf ...]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
parser = argparse.ArgumentParser()
parser.add_argument("--tasks", type=int, default=1000)
parser.add_argument("--seconds", type=float, default=10)
parser.add_argument("--baton", default=os.path.join(root, ".build/release/baton"))
parser.add_argument("--platform", action="append")
args = parser.parse_args()

TARGETS = {
    "databricks": {
        "fake": "databricks.py",
        "config": lambda ms: {"token": "bench-pat", "jobs": {"42": {"timeline": [["RUNNING", ms]], "result": "SUCCESS"}}},
        "settings": lambda port: {"url": "http://127.0.0.1:%d" % port, "token": "{{ secrets.cred }}"},
        "job": '{ job_id: "42" }', "secret": "bench-pat", "status_route": "GET /api/2.1/jobs/runs/get",
    },
    "adf": {
        "fake": "adf.py",
        "config": lambda ms: {"tenant": "t", "client_id": "c", "client_secret": "bench-secret", "subscription": "s", "resource_group": "g",
                              "factory": "f", "pipelines": {"load": {"timeline": [["InProgress", ms]], "result": "Succeeded"}}},
        "settings": lambda port: {"url": "http://127.0.0.1:%d" % port, "login_url": "http://127.0.0.1:%d" % port, "tenant": "t",
                                  "client_id": "c", "client_secret": "{{ secrets.cred }}", "subscription": "s", "resource_group": "g", "factory": "f"},
        "job": "{ pipeline: load }", "secret": "bench-secret", "status_route": "GET /subscriptions/s/resourceGroups/g/providers/Microsoft.DataFactory/factories/f/pipelineruns/",
    },
    "http": {
        "fake": "http_jobs.py",
        "config": lambda ms: {"token": "bench-token", "timeline": [["running", ms]], "result": "succeeded"},
        "settings": lambda port: {"url": "http://127.0.0.1:%d" % port, "token": "{{ secrets.cred }}"},
        "job": "{ body: { table: sales } }", "secret": "bench-token", "status_route": "GET /jobs/",
    },
}


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def bench(name):
    target = TARGETS[name]
    work = tempfile.mkdtemp(prefix="baton-platform-bench-")
    config = os.path.join(work, "fake.json")
    json.dump(target["config"](int(args.seconds * 1000)), open(config, "w"))
    fake = subprocess.Popen([sys.executable, os.path.join(root, "Tools/fakes", target["fake"]), config], stdout=subprocess.PIPE, text=True)
    port = int(fake.stdout.readline().split()[1])
    try:
        settings = "".join("    %s: \"%s\"\n" % item for item in target["settings"](port).items())
        open(os.path.join(work, "connections.yaml"), "w").write("connections:\n  remote:\n    platform: %s\n%s" % (name, settings))
        lines = ["name: fanout", "defaults: { connection: remote }", "tasks:"]
        lines += ["  t%d: { job: %s }" % (i, target["job"]) for i in range(args.tasks)]
        open(os.path.join(work, "w.yaml"), "w").write("\n".join(lines) + "\n")
        data = os.path.join(work, "data")
        started = time.time()
        run = subprocess.run([args.baton, "run", os.path.join(work, "w.yaml"), "--data", data, "--connections", os.path.join(work, "connections.yaml"),
                              "--run-id", "bench"], env=dict(os.environ, BATON_SECRET_cred=target["secret"]), capture_output=True, text=True)
        wall = time.time() - started
        if run.returncode != 0:
            sys.exit("%s: baton run exited %d: %s" % (name, run.returncode, run.stderr[-2000:]))
        runs = json.load(urllib.request.urlopen("http://127.0.0.1:%d/_fake/runs" % port))["runs"]
        stats = json.load(urllib.request.urlopen("http://127.0.0.1:%d/_fake/stats" % port))
        replay = subprocess.run([args.baton, "replay", "--data", data, "--json"], capture_output=True, text=True).stdout.splitlines()
        dispatched, succeeded = {}, {}
        for line in replay:
            event = json.loads(line)
            if event.get("type") == "TaskDispatched":
                dispatched[event["platform_run_id"].split(":")[0].split("#")[0]] = event["task"]
            elif event.get("type") == "TaskSucceeded":
                succeeded[event["task"]] = event["time_us"] / 1e6
        lags = [succeeded[dispatched[str(r["run_id"])]] - r["ended"] for r in runs if str(r["run_id"]) in dispatched and r["ended"]]
        starts = sorted(r["created"] for r in runs)
        reads = sum(count for route, count in stats["by_route"].items() if route.startswith(target["status_route"]))
        return {"platform": name, "tasks": args.tasks, "wall_s": wall,
                "submits_per_s": (len(starts) - 1) / max(starts[-1] - starts[0], 1e-9),
                "status_reads_per_task": reads / max(len(runs), 1),
                "lag_median_s": statistics.median(lags), "lag_p99_s": percentile(lags, 0.99)}
    finally:
        fake.kill()


print("%-11s %6s %8s %10s %14s %11s %8s" % ("platform", "tasks", "wall s", "submits/s", "reads/task", "lag med s", "lag p99"))
for name in args.platform or sorted(TARGETS):
    r = bench(name)
    print("%-11s %6d %8.1f %10.1f %14.2f %11.2f %8.2f" % (r["platform"], r["tasks"], r["wall_s"], r["submits_per_s"],
                                                          r["status_reads_per_task"], r["lag_median_s"], r["lag_p99_s"]), flush=True)
