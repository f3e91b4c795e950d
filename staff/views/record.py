"""A case's certification record as a signed ZIP, for assessors (trail.export; docs/record.md)."""

from collections.abc import Iterable
from typing import Any

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from applications.models import (
    Application,
    InvoiceFile,
    InvoiceRequest,
    MaterialFile,
    MaterialItem,
    Membership,
    Payment,
)
from audits.models import Audit, AuditPhoto, CorrectiveAction, EvidenceFile, ItemScore, Nonconformity, SpecialFinding
from certificates.models import Certificate, DecisionDossier, SurveillanceReview
from trail import export


def case_subjects(application: Application) -> list[tuple[str, Iterable[Any]]]:
    """Every record subject that belongs to the case: the application and what hangs from it."""
    on_case = {
        Application: Application.objects.filter(pk=application.pk),
        MaterialItem: MaterialItem.objects.filter(application=application),
        MaterialFile: MaterialFile.objects.filter(item__application=application),
        Payment: Payment.objects.filter(application=application),
        InvoiceRequest: InvoiceRequest.objects.filter(payment__application=application),
        InvoiceFile: InvoiceFile.objects.filter(invoice__payment__application=application),
        Audit: Audit.objects.filter(application=application),
        ItemScore: ItemScore.objects.filter(audit__application=application),
        SpecialFinding: SpecialFinding.objects.filter(audit__application=application),
        Nonconformity: Nonconformity.objects.filter(audit__application=application),
        CorrectiveAction: CorrectiveAction.objects.filter(nonconformity__audit__application=application),
        EvidenceFile: EvidenceFile.objects.filter(corrective_action__nonconformity__audit__application=application),
        AuditPhoto: AuditPhoto.objects.filter(audit__application=application),
        Certificate: Certificate.objects.filter(application=application),
        SurveillanceReview: SurveillanceReview.objects.filter(certificate__application=application),
    }
    return [(model._meta.label_lower, queryset.values_list("pk", flat=True)) for model, queryset in on_case.items()]


def case_documents(application: Application) -> dict[str, bytes]:
    """The case's PDFs as produced: its certificate, audit reports and decision dossiers."""
    files: dict[str, Any] = {}
    for certificate in Certificate.objects.filter(application=application).exclude(pdf=""):
        files[f"certificate-{certificate.number}.pdf"] = certificate.pdf
    for audit in Audit.objects.filter(application=application).exclude(report_pdf=""):
        files[f"audit-report-{audit.pk}.pdf"] = audit.report_pdf
    for dossier in DecisionDossier.objects.filter(application=application).exclude(file=""):
        files[f"decision-dossier-{dossier.pk}.pdf"] = dossier.file
    documents = {}
    for name, field_file in files.items():
        with field_file.open("rb") as opened:
            documents[name] = opened.read()
    return documents


def _deny(request: HttpRequest, application: Application) -> None:
    """The case's own applicant is told no; anyone else (another organization, an auditor) learns nothing."""
    if Membership.objects.filter(user=request.user.pk, organization=application.organization_id).exists():
        raise PermissionDenied
    raise Http404


def _export(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(Application, pk=pk)
    entries = list(export.entries_of(case_subjects(application)))
    archive = export.build(application.reference, entries, case_documents(application))
    response = HttpResponse(archive, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="record-{application.reference}.zip"'
    return response


@require_safe
@login_required
def case_record(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff who may see applications download it (through the admin's sign-in and second factor)."""
    if not (request.user.is_staff and request.user.has_perm("applications.view_application")):
        _deny(request, get_object_or_404(Application, pk=pk))
    response: HttpResponse = admin.site.admin_view(_export)(request, pk)
    return response
