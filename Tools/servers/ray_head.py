#!/usr/bin/env python3
"""Starts a real single-node Ray cluster on 127.0.0.1 for Baton's integration tests, prints
"PORT <dashboard port>" once the Jobs API answers, and stops the cluster when its standard input
closes (the test process ended, however it ended) or on SIGTERM.

usage: ray_head.py RAY_BINARY
"""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ray = sys.argv[1]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


dashboard, gcs = free_port(), free_port()
temp = tempfile.mkdtemp(prefix="baton-ray-")
env = dict(os.environ, RAY_AUTH_MODE="disabled", RAY_USAGE_STATS_ENABLED="0")
head = subprocess.Popen([ray, "start", "--head", "--block", "--node-ip-address=127.0.0.1", "--port=%d" % gcs,
                         "--dashboard-host=127.0.0.1", "--dashboard-port=%d" % dashboard, "--include-dashboard=true",
                         "--num-cpus=4", "--temp-dir=" + temp, "--disable-usage-stats"],
                        env=env, stdout=subprocess.DEVNULL, stderr=sys.stderr, start_new_session=True)


def stop(*_):
    # Only this cluster: every process of it names its temp directory (another cluster on the
    # machine, a second test run's, is left alone, which `ray stop` would not do).
    try:
        os.killpg(head.pid, signal.SIGKILL)
    except OSError:
        pass
    subprocess.run(["pkill", "-KILL", "-f", temp], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sys.exit(0)


signal.signal(signal.SIGTERM, stop)
deadline = time.time() + 300
while time.time() < deadline:
    if head.poll() is not None:
        sys.stderr.write("ray start exited with %s\n" % head.returncode)
        sys.exit(1)
    try:
        # Ready once a job can be submitted and finishes: the Jobs API answers before its agent
        # can take jobs ("No available agent to submit job").
        url = "http://127.0.0.1:%d/api/jobs/" % dashboard
        request = urllib.request.Request(url, data=json.dumps({"entrypoint": "true"}).encode(), headers={"Content-Type": "application/json"})
        probe = json.loads(urllib.request.urlopen(request, timeout=10).read())["submission_id"]
        for _ in range(600):
            status = json.loads(urllib.request.urlopen(url + probe, timeout=10).read())["status"]
            if status in ("SUCCEEDED", "FAILED", "STOPPED"):
                break
            time.sleep(0.5)
        break
    except Exception:
        time.sleep(1)
else:
    sys.stderr.write("the Ray dashboard did not answer within 300 s\n")
    stop()
print("PORT %d" % dashboard, flush=True)
sys.stdin.read()
stop()
