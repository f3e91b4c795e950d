"""After the report: the result with its gap report, the report PDF, and the nonconformities' follow-up."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from applications.views import load_membership
from certportal.downloads import attachment_response
from certportal.workflow import TransitionError

from .. import permissions, scoresheet, scoring, services
from ..forms import ReopenForm, RespondForm
from ..models import Audit, EvidenceFile, Nonconformity
from . import get_visible_audit


def gap_report(sheet: scoresheet.Sheet) -> dict:
    """Where the points were lost and how far the next grade is (honest about placeholder points)."""
    result = sheet.result
    ahead = scoring.next_grade(result.score)
    gap = None
    if ahead is not None:
        grade, missing = ahead
        gap = {
            "grade": grade,
            "missing": missing,
            # the item points that many score points stand for: score = obtained ÷ applicable × 100
            "item_points": (missing * result.applicable / scoring.HUNDRED).quantize(scoring.CENT),
        }
    return {
        "losses": sheet.losses,
        "lost_total": sum((r.lost for r in sheet.rows), Decimal(0)),
        "next": gap,
        "placeholder": sheet.audit.indicator_set.has_placeholder_points,
    }


@login_required
def result(request, pk):
    """Score, grade and gap report for the applicant's people (and the team), once the report is in."""
    load_membership(request)
    audit = get_visible_audit(request, pk)
    if not permissions.can_view_result(request.user, audit):
        raise Http404
    sheet = scoresheet.build(audit)
    nonconformities = list(audit.nonconformities.select_related("indicator").order_by("due_date", "pk"))
    context = {
        "audit": audit,
        "application": audit.application,
        "sheet": sheet,
        "result": sheet.result,
        "gap": gap_report(sheet),
        "nonconformities": nonconformities,
        "unresolved": [nc for nc in nonconformities if nc.status != Nonconformity.Status.VERIFIED],
        "findings": list(audit.special_findings.order_by("pk")),
        "is_team": permissions.team_role(request.user, audit) is not None,
        "can_download": permissions.can_download_report(request.user, audit),
    }
    return render(request, "audits/result.html", context)


@login_required
def report_pdf(request, pk):
    """The report PDF: staff, the audit team and the applicant's people; always as an attachment."""
    load_membership(request)
    audit = get_object_or_404(Audit.objects.select_related("application__organization"), pk=pk)
    if not permissions.can_download_report(request.user, audit):
        raise Http404
    name = f"audit-report-{audit.application.reference}-{audit.pk}.pdf"
    return attachment_response(audit.report_pdf, name, "application/pdf")


def _nonconformity(request, pk) -> Nonconformity:
    load_membership(request)
    queryset = Nonconformity.objects.visible_to(request.user).select_related(
        "audit__application__organization", "indicator"
    )
    return get_object_or_404(queryset, pk=pk)


def _detail_context(request, nc: Nonconformity, **forms) -> dict:
    can_respond = permissions.can_respond(request.user, nc)
    can_verify = permissions.can_verify(request.user, nc)
    return {
        "nc": nc,
        "audit": nc.audit,
        "application": nc.audit.application,
        "rounds": list(nc.corrective_actions.prefetch_related("evidence").select_related("submitted_by")),
        "can_respond": can_respond,
        "can_verify": can_verify,
        "is_team": permissions.team_role(request.user, nc.audit) is not None,
        "respond_form": forms.get("respond_form") or (RespondForm(nonconformity=nc) if can_respond else None),
        "reopen_form": forms.get("reopen_form") or (ReopenForm() if can_verify else None),
    }


@login_required
def nonconformity(request, pk):
    nc = _nonconformity(request, pk)
    return render(request, "audits/nonconformity.html", _detail_context(request, nc))


@login_required
@require_POST
def respond(request, pk):
    """The applicant answers with the corrective action taken and evidence (kept as versions)."""
    nc = _nonconformity(request, pk)
    if not nc.WORKFLOW["respond"].permits(request.user, nc):
        raise PermissionDenied  # one of the applicant's people without the right, or the audit team
    if not permissions.can_respond(request.user, nc):
        messages.error(request, _("This nonconformity cannot be answered now."))
        return redirect("audits:nonconformity", nc.pk)
    form = RespondForm(request.POST, request.FILES, nonconformity=nc)
    if not form.is_valid():
        return render(request, "audits/nonconformity.html", _detail_context(request, nc, respond_form=form), status=400)
    try:
        nc.respond(by=request.user, response=form.cleaned_data["response"], files=form.cleaned_data["files"])
    except TransitionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your corrective action was sent to the audit team."))
    return redirect("audits:nonconformity", nc.pk)


@login_required
@require_POST
def verify(request, pk):
    nc = _nonconformity(request, pk)
    refusal = _verify_refusal(request, nc)
    if refusal:
        return refusal
    try:
        services.verify_nonconformity(nonconformity=nc, by=request.user)
    except TransitionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Correction verified."))
    return redirect("audits:nonconformity", nc.pk)


def _verify_refusal(request, nc):
    """None when the user may verify or reopen the nonconformity now. Otherwise someone off the audit team gets a
    404, a team member without the right a 403, and the team when the nonconformity is not answered yet a message."""
    if permissions.can_verify(request.user, nc):
        return None
    if permissions.team_role(request.user, nc.audit) is None:
        raise Http404
    if not nc.WORKFLOW["verify"].permits(request.user, nc):
        raise PermissionDenied
    messages.error(request, _("Only an answered nonconformity can be verified or reopened, by the audit team."))
    return redirect("audits:nonconformity", nc.pk)


@login_required
@require_POST
def reopen(request, pk):
    nc = _nonconformity(request, pk)
    refusal = _verify_refusal(request, nc)
    if refusal:
        return refusal
    form = ReopenForm(request.POST)
    if not form.is_valid():
        return render(request, "audits/nonconformity.html", _detail_context(request, nc, reopen_form=form), status=400)
    try:
        services.reopen_nonconformity(nonconformity=nc, by=request.user, reason=form.cleaned_data["reason"])
    except TransitionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Nonconformity reopened; the applicant was told why."))
    return redirect("audits:nonconformity", nc.pk)


@login_required
def evidence(request, pk):
    load_membership(request)
    evidence_file = get_object_or_404(
        EvidenceFile.objects.select_related("corrective_action__nonconformity__audit__application__organization"),
        pk=pk,
    )
    if not permissions.can_download_evidence(request.user, evidence_file):
        raise Http404
    return attachment_response(evidence_file.file, evidence_file.original_name, evidence_file.content_type)
