import asyncio
import json

import pytest
from asn1crypto import cms
from django.urls import reverse
from pyhanko.sign.validation.generic_cms import async_validate_detached_cms
from pyhanko_certvalidator import ValidationContext

from certportal.jobs import PERIODIC_JOBS
from trail.checkpoints import sign_head
from trail.models import TrailHead
from trail.tasks import daily_checkpoint

from .test_chain import withdrawn_application

pytestmark = pytest.mark.django_db


def test_the_daily_job_signs_the_head():
    (job,) = [job for job in PERIODIC_JOBS if job.task == daily_checkpoint.name]
    assert job.crontab is not None
    withdrawn_application()
    result = daily_checkpoint()
    head = TrailHead.objects.get()
    assert (result["seq"], result["hash"]) == (head.seq, head.hash)


def test_a_second_run_on_the_same_day_keeps_the_first_checkpoint():
    withdrawn_application()
    first = sign_head()
    withdrawn_application()
    assert sign_head() == first


def test_the_checkpoints_are_public_with_a_signature_that_verifies(client):
    withdrawn_application()
    checkpoint = sign_head()
    page = client.get(reverse("trail:checkpoints"))
    assert page.status_code == 200
    assert checkpoint.hash in page.content.decode()
    listed = client.get(reverse("trail:checkpoints"), {"format": "json"}).json()["checkpoints"]
    assert listed[0]["seq"] == checkpoint.seq
    signed = listed[0]["signed_content"].encode()
    assert json.loads(signed) == {"date": checkpoint.date.isoformat(), "seq": checkpoint.seq, "hash": checkpoint.hash}
    download = client.get(listed[0]["signature"])
    assert download.status_code == 200
    signed_data = cms.ContentInfo.load(download.content)["content"]
    roots = [c.chosen for c in signed_data["certificates"] if c.chosen.self_signed]
    context = ValidationContext(trust_roots=roots, allow_fetching=False)
    status = asyncio.run(async_validate_detached_cms(signed, signed_data, signer_validation_context=context))
    assert status.intact and status.valid and status.trusted
    tampered = signed.replace(checkpoint.hash.encode(), b"0" * 64)
    status = asyncio.run(async_validate_detached_cms(tampered, signed_data, signer_validation_context=context))
    assert not status.intact


@pytest.mark.parametrize("date", ["2001-01-01", "2026-13-45", "yesterday"])
def test_an_unknown_signature_is_not_found(client, date):
    assert client.get(f"/trail/checkpoints/{date}.p7s").status_code == 404
