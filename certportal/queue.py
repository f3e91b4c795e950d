"""Enqueueing background work after commit, without ever failing the user's request.

The rows are the outbox: a notification without `emailed_at`, a certificate without its PDF, a queued dossier.
If the broker is down when a transaction commits, the message is not sent, the user still sees success, and the
periodic redelivery sweep (certificates.tasks.redeliver_pending) enqueues the work again once the broker is back.
"""

import logging
from functools import partial

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_on_commit(task, *args) -> None:
    transaction.on_commit(partial(send_safely, task, *args))


def send_safely(task, *args) -> bool:
    try:
        task.delay(*args)
    except Exception as error:  # kombu raises OperationalError, OSError, ConnectionError … depending on transport
        logger.warning("broker unavailable, %s%s left for the redelivery sweep: %s", task.name, args, error)
        return False
    return True
