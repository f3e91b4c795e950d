"""The decision dossier: one ZIP with the case summary PDF and every accepted material."""

import tempfile
import zipfile
from pathlib import PurePosixPath

from django.core.files import File
from django.utils import timezone, translation

from applications import selfcheck
from applications.models import Application, MaterialItem
from audits import scoresheet
from certportal.pdf import render_pdf
from certportal.signing import sign_pdf
from certportal.storage import random_key

from .models import DecisionDossier


def case_file_context(application: Application) -> dict:
    """Everything the decision rests on, for the admin page and the summary PDF."""
    audits = application.audits.select_related("indicator_set").prefetch_related(
        "team__auditor", "special_findings", "nonconformities__indicator"
    )
    items = application.material_items.select_related("material_type").prefetch_related("files")
    return {
        "application": application,
        "organization": application.organization,
        "self_check": selfcheck.answered_questions(application.self_check) if application.self_check else [],
        "items": items,
        "audits": [_audit_summary(audit) for audit in audits],
        "status_changes": application.status_changes.select_related("by"),
    }


def _audit_summary(audit) -> dict:
    """The audit as the decision sees it: each item's points as scored (audits.scoresheet: a sampled item by its
    nonconforming share, an item with a nonconformity at 0), its samples apart."""
    return {
        "audit": audit,
        "team": list(audit.team.all()),
        "rows": scoresheet.build(audit).rows,
        "findings": list(audit.special_findings.all()),
        "nonconformities": list(audit.nonconformities.all()),
    }


def _entries(application: Application):
    """(name in the ZIP, callable returning bytes or a file) for every part of the dossier."""
    yield (
        "00-case-summary.pdf",
        lambda: sign_pdf(render_pdf("certificates/case_file_pdf.html", case_file_context(application))),
    )
    items = application.material_items.filter(status=MaterialItem.Status.ACCEPTED).select_related("material_type")
    for n, item in enumerate(items, start=1):
        latest = item.latest_file
        if latest is None:
            continue
        suffix = PurePosixPath(latest.file.name).suffix
        name = f"{n:02d}-{item.material_type.code}-v{latest.version}{suffix}"
        yield f"materials/{name}", lambda f=latest.file: f.open("rb").read()
    for audit in application.audits.all():
        report = getattr(audit, "report_pdf", None)
        if report:
            yield f"audit-{audit.pk}-report.pdf", lambda r=report: r.open("rb").read()


def build(dossier: DecisionDossier) -> None:
    """Write the ZIP, recording progress after each entry."""
    entries = list(_entries(dossier.application))
    with tempfile.TemporaryFile() as tmp:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive, translation.override("zh-hans"):
            for done, (name, content) in enumerate(entries, start=1):
                archive.writestr(name, content())
                dossier.progress = int(done * 100 / len(entries))
                dossier.save(update_fields=["progress"])
        tmp.seek(0)
        dossier.file.save(random_key("dossiers", extension=".zip"), File(tmp), save=False)
        dossier.size = dossier.file.size
    dossier.status, dossier.finished_at = DecisionDossier.Status.READY, timezone.now()
    dossier.save(update_fields=["file", "size", "status", "finished_at"])
