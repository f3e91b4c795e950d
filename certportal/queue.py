"""Enqueueing background work after commit, without ever failing the user's request.

The rows are the outbox: a notification without `emailed_at`, a certificate without its PDF, a queued dossier.
If the broker is down when a transaction commits, the message is not sent, the user still sees success, and the
periodic redelivery sweep (certificates.tasks.redeliver_pending) enqueues the work again once the broker is back.
"""

import logging
from functools import partial

from django.db import InterfaceError, OperationalError, transaction

logger = logging.getLogger(__name__)

# What a task's automatic retry can outlast (autoretry_for): an outage of the storage, the broker or the mail server
# (OSError and its kin), and the database restarting under a running task (the soak, bench/bench_soak.py): without
# retrying, such a task failed for good and its message was acknowledged.
TRANSIENT_ERRORS = (OSError, OperationalError, InterfaceError)


def enqueue_on_commit(task, *args) -> None:
    transaction.on_commit(partial(send_safely, task, *args))


def send_safely(task, *args) -> bool:
    try:
        task.delay(*args)
    except Exception as error:  # kombu raises OperationalError, OSError, ConnectionError … depending on transport
        logger.warning("broker unavailable, %s%s left for the redelivery sweep: %s", task.name, args, error)
        return False
    return True
