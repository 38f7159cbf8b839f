"""DAGs Baton's integration tests trigger: one that returns an output built from its conf, one
that fails, one that sleeps (to be cancelled), and one that stays paused."""
import time

import pendulum
from airflow.sdk import dag, task

START = pendulum.datetime(2026, 1, 1, tz="UTC")


@dag(dag_id="baton_extract", schedule=None, start_date=START, catchup=False, is_paused_upon_creation=False)
def baton_extract():
    @task
    def extract(**context):
        conf = context["dag_run"].conf or {}
        return {"rows": int(conf.get("rows", 3)), "day": conf.get("day", "")}

    extract()


@dag(dag_id="baton_fail", schedule=None, start_date=START, catchup=False, is_paused_upon_creation=False)
def baton_fail():
    @task
    def explode():
        raise ValueError("the source table is missing")

    explode()


@dag(dag_id="baton_sleep", schedule=None, start_date=START, catchup=False, is_paused_upon_creation=False)
def baton_sleep():
    @task
    def wait():
        time.sleep(600)

    wait()


@dag(dag_id="baton_paused", schedule=None, start_date=START, catchup=False, is_paused_upon_creation=True)
def baton_paused():
    @task
    def never():
        return {}

    never()


baton_extract()
baton_fail()
baton_sleep()
baton_paused()
