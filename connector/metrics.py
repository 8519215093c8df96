"""What to watch when scaling out, in Prometheus' text format (``/metrics``).

Owns: the figures — per leased-work job that is polled (settings.WORKER_POLLED_JOBS), its
unfinished rows by state, how many are due now (the queue depth) and how long the oldest due
row has waited (for flow deliveries: the oldest pending delivery's age); per task of the
database queue, the tasks waiting and the age of the oldest. Each figure is one indexed query
(the states and due times are indexed; finished rows are never counted). Must not decide who
may read them (the view does: METRICS_TOKEN).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import Count, Min, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.module_loading import import_string

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def _family(name: str, help_text: str, samples: Iterable[tuple[dict[str, str], float]]) -> list[str]:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
    for labels, value in samples:
        rendered = ",".join(f'{key}="{_label(text)}"' for key, text in labels.items())
        lines.append(f"{name}{{{rendered}}} {value:g}" if rendered else f"{name} {value:g}")
    return lines


def _job_figures(job: Any, now: Any) -> tuple[list[tuple[dict[str, str], float]], float, float]:
    rows = job.model._default_manager
    states = list(dict.fromkeys([*job.waiting_states, *job.running_states]))
    by_state = dict(rows.filter(state__in=states).values_list("state").annotate(count=Count("pk")).order_by())
    due = rows.filter(state__in=list(job.waiting_states)).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    oldest = due.aggregate(at=Min(Coalesce("next_attempt_at", "updated_at")))["at"]
    samples = [({"job": job.name, "state": str(state)}, float(by_state.get(state, 0))) for state in states]
    return samples, float(due.count()), (now - oldest).total_seconds() if oldest else 0.0


def metrics_text() -> str:
    """The page ``/metrics`` serves."""
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    rows: list[tuple[dict[str, str], float]] = []
    depth: list[tuple[dict[str, str], float]] = []
    oldest: list[tuple[dict[str, str], float]] = []
    for path in settings.WORKER_POLLED_JOBS:
        job = import_string(path)
        samples, due, age = _job_figures(job, now)
        rows += samples
        depth.append(({"job": job.name}, due))
        oldest.append(({"job": job.name}, age))
    ready = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    tasks = ready.values("task_path").annotate(count=Count("pk"), first=Min("enqueued_at")).order_by("task_path")
    lines = [
        *_family("connector_work_rows", "Unfinished rows of a polled job, by state.", rows),
        *_family("connector_work_due", "Rows of a polled job waiting and due now (its queue depth).", depth),
        *_family(
            "connector_work_oldest_due_seconds", "How long the oldest due row of a polled job has waited.", oldest
        ),
        *_family(
            "connector_tasks_ready",
            "Tasks waiting in the database queue, by task.",
            (({"task": row["task_path"]}, float(row["count"])) for row in tasks),
        ),
        *_family(
            "connector_tasks_oldest_ready_seconds",
            "Age of the oldest task waiting in the database queue, by task.",
            (({"task": row["task_path"]}, (now - row["first"]).total_seconds()) for row in tasks),
        ),
    ]
    return "\n".join(lines) + "\n"
