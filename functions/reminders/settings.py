"""Settings of the reminders planner and worker, each read once per cold start from its environment."""

from typing import Annotated

from pydantic import Field

from core.settings import FunctionSettings


class JobSettings(FunctionSettings):
    """The tables both the planner and the worker read (reminders.job_wiring builds their stores)."""

    registrations_table: str
    grievances_table: str
    roll_table: str
    notifications_table: str
    counters_table: str


class PlannerSettings(JobSettings):
    directory_table: str
    job_runs_table: str
    reports_bucket: str
    work_queue_url: str
    # Registrations per work message: small enough that a retried message redoes little.
    work_batch_size: Annotated[int, Field(ge=1, le=100)] = 25


class WorkerSettings(JobSettings):
    notice_email_template: str
    # The deployment's DLT principal entity id; empty means the programme data's.
    dlt_entity_id: str = ""
    events_table: str
    # Once a deadline job has changed records, the transparency log is asked for a checkpoint.
    checkpoint_queue_url: str


def get_planner_settings() -> PlannerSettings:
    return PlannerSettings.from_environment()


def get_worker_settings() -> WorkerSettings:
    return WorkerSettings.from_environment()
