import io
import json
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from applications.models import Application
from tests.factories import MembershipFactory, ready_for_decision
from tests.factories.applications import in_state, store_file
from tests.factories.certificates import CertificateFactory
from trail import chain
from trail.models import TrailEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(organization, applicant):
    """A withdrawn application with one kept file, and another organization's case in between."""
    application = in_state(Application.Status.DRAFT, organization=organization)
    store_file(application.material_items.first(), by=applicant, content=b"%PDF-1.4 business licence")
    other_member = MembershipFactory()
    other = in_state(Application.Status.SUBMITTED, organization=other_member.organization)
    other.withdraw(by=other_member.user, reason="另一家")
    application.submit(by=applicant)
    application.withdraw(by=applicant, reason="不再需要")
    return application


def download(client, user, application):
    client.force_login(user)
    return client.get(reverse("staff_case_record", args=[application.pk]))


def test_a_reviewer_downloads_the_case_record_and_it_verifies_offline(client, reviewer, case, tmp_path):
    response = download(client, reviewer, case)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    entries = [json.loads(line) for line in archive.read("entries.jsonl").splitlines()]
    assert [e["kind"] for e in entries] == ["file", "transition", "transition"]
    assert {e["subject_type"] for e in entries} == {"applications.materialfile", "applications.application"}
    files = json.loads(archive.read("files.json"))
    assert files[0]["sha256"] == chain.hashlib.sha256(b"%PDF-1.4 business licence").hexdigest()
    links = [json.loads(line) for line in archive.read("links.jsonl").splitlines()]
    assert [link["seq"] for link in links] == list(range(entries[0]["seq"], TrailEntry.objects.count() + 1))
    path = tmp_path / "record.zip"
    path.write_bytes(response.content)
    out = io.StringIO()
    call_command("verify_trail", export=str(path), stdout=out)
    assert "The export holds: signed by" in out.getvalue()


def rewritten(content: bytes, member: str, change) -> bytes:
    """The ZIP with one member changed and everything else (manifest and signature included) as it was."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            target.writestr(name, change(data) if name == member else data)
    return buffer.getvalue()


def edit_first_entry(data: bytes) -> bytes:
    lines = data.splitlines()
    entry = json.loads(lines[0])
    entry["payload"]["sha256"] = "0" * 64
    return b"\n".join([chain.canonical(entry), *lines[1:]]) + b"\n"


def test_an_export_with_one_entry_edited_fails(client, reviewer, case, tmp_path):
    content = download(client, reviewer, case).content
    path = tmp_path / "edited.zip"
    path.write_bytes(rewritten(content, "entries.jsonl", edit_first_entry))
    with pytest.raises(CommandError, match="entries.jsonl does not match its hash in the manifest") as refused:
        call_command("verify_trail", export=str(path))
    assert refused.value.returncode == 1


def test_an_export_whose_manifest_is_edited_to_match_fails_on_the_signature_and_the_entry(
    client, reviewer, case, tmp_path
):
    content = download(client, reviewer, case).content
    edited = rewritten(content, "entries.jsonl", edit_first_entry)
    entries = zipfile.ZipFile(io.BytesIO(edited)).read("entries.jsonl")

    def new_manifest(data: bytes) -> bytes:
        manifest = json.loads(data)
        manifest["members"]["entries.jsonl"] = chain.hashlib.sha256(entries).hexdigest()
        return chain.canonical(manifest)

    path = tmp_path / "edited.zip"
    path.write_bytes(rewritten(edited, "manifest.json", new_manifest))
    with pytest.raises(CommandError) as refused:
        call_command("verify_trail", export=str(path))
    assert "manifest.sig does not match manifest.json" in str(refused.value)
    first = json.loads(entries.splitlines()[0])["seq"]
    assert f"entry #{first} does not match its hash" in str(refused.value)


def test_another_organizations_user_gets_404(client, other_applicant, case):
    assert download(client, other_applicant, case).status_code == 404


def test_the_cases_applicant_is_refused(client, applicant, case):
    assert download(client, applicant, case).status_code == 403


def test_an_auditor_gets_404(client, auditor, case):
    assert download(client, auditor, case).status_code == 404


def test_signing_in_is_required(client, case):
    response = client.get(reverse("staff_case_record", args=[case.pk]))
    assert response.status_code == 302


def test_the_export_carries_the_cases_documents(client, reviewer, tmp_path):
    certificate = CertificateFactory()
    certificate.pdf.save("certificate.pdf", ContentFile(b"%PDF-1.7 the signed certificate"), save=True)
    response = download(client, reviewer, certificate.application)
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    member = f"documents/certificate-{certificate.number}.pdf"
    assert archive.read(member) == b"%PDF-1.7 the signed certificate"
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["members"][member] == chain.hashlib.sha256(b"%PDF-1.7 the signed certificate").hexdigest()
    path = tmp_path / "record.zip"
    path.write_bytes(rewritten(response.content, member, lambda data: data + b"%%EOF"))
    with pytest.raises(CommandError, match=f"{member} does not match its hash in the manifest"):
        call_command("verify_trail", export=str(path))


def test_the_case_file_page_links_to_the_export(client, decision_maker):
    case = ready_for_decision()
    client.force_login(decision_maker)
    html = client.get(reverse("admin:certificates_casefile_change", args=[case.pk])).content.decode()
    assert f'href="{reverse("staff_case_record", args=[case.pk])}"' in html
    assert download(client, decision_maker, case).status_code == 200
