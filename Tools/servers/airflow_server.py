#!/usr/bin/env python3
"""Starts a real Airflow 3 (api-server, scheduler, dag-processor; SQLite, LocalExecutor, the
simple auth manager with user "baton" whose password is given) on 127.0.0.1 for Baton's
integration tests, with the DAGs of airflow_dags/. Prints "PORT <api port>" once the API answers
and every DAG is parsed, and stops every process when its standard input closes.

usage: airflow_server.py AIRFLOW_BINARY PASSWORD
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

airflow, password = sys.argv[1], sys.argv[2]
here = os.path.dirname(os.path.abspath(__file__))
home = tempfile.mkdtemp(prefix="baton-airflow-")
dags = os.path.join(home, "dags")
shutil.copytree(os.path.join(here, "airflow_dags"), dags)
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
env = dict(os.environ,
           AIRFLOW_HOME=home, AIRFLOW__CORE__DAGS_FOLDER=dags, AIRFLOW__CORE__LOAD_EXAMPLES="False",
           AIRFLOW__CORE__EXECUTOR="LocalExecutor", AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="baton:admin",
           AIRFLOW__CORE__EXECUTION_API_SERVER_URL="http://127.0.0.1:%d/execution/" % port,
           AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL="5", AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC="1")
with open(os.path.join(home, "simple_auth_manager_passwords.json.generated"), "w") as f:
    json.dump({"baton": password}, f)
log = open(os.path.join(home, "servers.log"), "w")
subprocess.run([airflow, "db", "migrate"], env=env, stdout=log, stderr=log, check=True)
groups = []
for command in (["api-server", "-H", "127.0.0.1", "-p", str(port)], ["scheduler"], ["dag-processor"]):
    groups.append(subprocess.Popen([airflow] + command, env=env, stdout=log, stderr=log, start_new_session=True))


def stop(*_):
    for process in groups:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except OSError:
            pass
    # The executor's workers run in sessions of their own; they all carry this AIRFLOW_HOME.
    marker = ("AIRFLOW_HOME=%s" % home).encode()
    for pid in os.listdir("/proc"):
        try:
            if pid.isdigit() and marker in open("/proc/%s/environ" % pid, "rb").read().split(b"\0"):
                os.kill(int(pid), signal.SIGKILL)
        except OSError:
            pass
    shutil.rmtree(home, ignore_errors=True)
    sys.exit(0)


def get(path, token=None):
    request = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path))
    if token:
        request.add_header("Authorization", "Bearer " + token)
    return json.loads(urllib.request.urlopen(request, timeout=10).read())


deadline = time.time() + 600
expected = {"baton_extract", "baton_fail", "baton_sleep", "baton_paused"}
while True:
    if time.time() > deadline or any(process.poll() is not None for process in groups):
        sys.stderr.write("Airflow did not come up; its log is %s/servers.log\n" % home)
        stop()
    try:
        body = json.dumps({"username": "baton", "password": password}).encode()
        token = json.loads(urllib.request.urlopen(urllib.request.Request(
            "http://127.0.0.1:%d/auth/token" % port, data=body, headers={"Content-Type": "application/json"}), timeout=10).read())["access_token"]
        if expected <= {d["dag_id"] for d in get("/api/v2/dags?limit=100", token).get("dags", [])}:
            break
    except Exception:
        pass
    time.sleep(1)
print("PORT %d" % port, flush=True)
sys.stdin.read()
stop()
