"""Celery's superuser warning is left out only where it stands for nothing: `make run`'s demo worker, which accepts
JSON only on a broker folder in var/. make run's own test starts the worker as the test run's user
(root in CI) and finds no warning in its output; here, where the warning stays."""

import warnings
from types import SimpleNamespace

import pytest
from celery.exceptions import SecurityWarning

from certportal.celery import no_superuser_warning_for_the_local_demo


def warned(**conf) -> bool:
    conf = {"broker_url": "filesystem://localhost/", "accept_content": ["json"], **conf}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        no_superuser_warning_for_the_local_demo(conf=SimpleNamespace(**conf))
        warnings.warn(SecurityWarning("You're running the worker with superuser privileges"), stacklevel=1)
    return any(issubclass(w.category, SecurityWarning) for w in caught)


def test_left_out_for_the_local_demo(settings):
    settings.DEMO_MODE = True
    assert not warned()


@pytest.mark.parametrize(
    "demo, conf",
    [
        (False, {}),
        (True, {"broker_url": "redis://127.0.0.1:6379/1"}),
        (True, {"accept_content": ["json", "pickle"]}),
    ],
    ids=["not in demo mode", "a redis broker", "pickle accepted"],
)
def test_kept_everywhere_else(settings, demo, conf):
    settings.DEMO_MODE = demo
    assert warned(**conf)
