import pytest
from django.core.management import call_command

from accounts.models import User
from applications.models import Application, Organization
from certificates.models import Certificate

pytestmark = pytest.mark.django_db


def test_seed_demo_twice_is_harmless(capsys, settings):
    settings.DEMO_MODE = True  # as `make run` has it: the demo certificate is a specimen
    call_command("seed_demo")
    counts = (
        User.objects.count(),
        Organization.objects.count(),
        Application.objects.count(),
        Certificate.objects.count(),
    )
    call_command("seed_demo")
    assert (
        User.objects.count(),
        Organization.objects.count(),
        Application.objects.count(),
        Certificate.objects.count(),
    ) == counts
    statuses = set(Application.objects.values_list("status", flat=True))
    assert statuses >= {"draft", "submitted", "returned", "accepted", "audit_planned", "certified"}
    out = capsys.readouterr().out
    for username in ("demo-applicant", "demo-reviewer", "demo-auditor", "demo-decider", "demo-admin"):
        assert username in out
        assert User.objects.get(username=username).check_password("certportal-demo-2026")
    assert User.objects.get(username="demo-reviewer").is_staff
    assert not User.objects.get(username="demo-applicant").is_staff


def test_outside_demo_mode_nothing_is_granted_on_placeholder_points(capsys, settings):
    settings.DEMO_MODE = False
    call_command("seed_demo")
    assert not Certificate.objects.exists()
    assert Application.objects.filter(status="awaiting_decision").exists()
    assert "placeholder points" in capsys.readouterr().out
