"""The columns every leased background job shares, spelled once.

Owns: the abstract model a job's table is built on (state, attempts, next_attempt_at,
lease_owner, lease_until, task_id, last_error). Must not hold behaviour: the machine that reads
and writes these columns is ``connector.work``; what each state means belongs to the job.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from connector.models import TimestampedModel


class LeasedWork(TimestampedModel):
    """A row of work that one worker at a time holds under a lease (see ``connector.work``).

    ``state`` is redeclared by every concrete model with its own choices (and verbose name);
    the machine only compares it with the states its job declares.
    """

    state = models.CharField(_("state"), max_length=20)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    # Set by a claim, cleared by the end of the attempt: a worker that dies leaves a lease that
    # runs out, and the recovery sweep applies the job's rule for lost work.
    lease_owner = models.CharField(_("lease owner"), max_length=64, blank=True, default="", editable=False)
    lease_until = models.DateTimeField(_("lease until"), null=True, blank=True, editable=False)
    # The queued task that will run it (django-tasks-db result id): a task whose id is no longer
    # the row's was replaced and does nothing; recovery uses it to tell a lost task from a queue
    # that is merely behind.
    task_id = models.UUIDField(_("task id"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True, default="")

    class Meta:
        abstract = True
