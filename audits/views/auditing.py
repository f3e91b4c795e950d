"""The auditor's pages: my audits, the scoring form with its autosave endpoint, findings, submitting."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from applications.models import Grade
from certportal.workflow import TransitionError

from .. import permissions, scoresheet, services
from ..forms import ItemScoreForm, NonconformityForm, PhotoForm, SpecialFindingForm
from ..models import Audit, AuditLocked, AuditTeamMember, Indicator, ItemScore, Nonconformity
from . import get_team_audit, refuse


def _count(queryset, key: str):
    counted = queryset.order_by().values(key).annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


@login_required
def my_audits(request):
    """The audits the user is on the team of: to do, reported (with corrections to verify), closed."""
    if not request.user.has_perm(permissions.CONDUCT):
        raise PermissionDenied
    audits = list(
        Audit.objects.assigned_to(request.user)
        .select_related("application")
        .annotate(
            my_role=Subquery(
                AuditTeamMember.objects.filter(audit=OuterRef("pk"), auditor=request.user).values("role")[:1]
            ),
            leaf_count=_count(
                Indicator.objects.filter(indicator_set=OuterRef("indicator_set"), children__isnull=True),
                "indicator_set",
            ),
            scored_count=_count(ItemScore.objects.filter(audit=OuterRef("pk")).scored(), "audit"),
            to_verify=_count(
                Nonconformity.objects.filter(audit=OuterRef("pk"), status=Nonconformity.Status.RESPONDED), "audit"
            ),
            open_ncs=_count(Nonconformity.objects.filter(audit=OuterRef("pk")).unresolved(), "audit"),
        )
        .order_by("planned_start", "pk")
    )
    roles = dict(AuditTeamMember.Role.choices)
    for audit in audits:
        audit.role_label = roles.get(audit.my_role, "")
    context = {
        "active": [a for a in audits if a.status in (Audit.Status.PLANNED, Audit.Status.IN_PROGRESS)],
        "reported": [a for a in audits if a.status == Audit.Status.SUBMITTED],
        "closed": [a for a in audits if a.status == Audit.Status.CLOSED],
    }
    return render(request, "audits/my_audits.html", context)


def _form_context(request, audit: Audit, **forms) -> dict:
    sheet = scoresheet.build(audit, with_photos=True)
    return {
        "audit": audit,
        "application": audit.application,
        "sheet": sheet,
        "running": sheet.running,
        "editable": permissions.can_score(request.user, audit),
        "can_start": permissions.can_start(request.user, audit),
        "can_submit": permissions.can_submit_report(request.user, audit),
        "role": permissions.team_role(request.user, audit),
        "findings": list(audit.special_findings.select_related("indicator").order_by("pk")),
        "nonconformities": list(audit.nonconformities.select_related("indicator").order_by("pk")),
        "finding_form": forms.get("finding_form") or SpecialFindingForm(audit=audit, auto_id="finding_%s"),
        "nc_form": forms.get("nc_form") or NonconformityForm(audit=audit, auto_id="nc_%s"),
        "photo_accept": PhotoForm.base_fields["photo"].widget.attrs["accept"],
    }


@login_required
def audit_form(request, pk):
    """The scoring form, grouped by first- and second-level indicator (read-only unless in progress)."""
    audit = get_team_audit(request, pk)
    return render(request, "audits/audit_form.html", _form_context(request, audit))


@login_required
@require_POST
def start_audit(request, pk):
    audit = get_team_audit(request, pk)
    if not Audit.WORKFLOW["start"].permits(request.user, audit):
        raise PermissionDenied
    if not permissions.can_start(request.user, audit):
        return refuse(request, _("This audit cannot be started now."), "audits:form", audit.pk)
    try:
        audit.start(by=request.user)
    except TransitionError as error:
        return refuse(request, error.message, "audits:form", audit.pk)
    messages.success(request, _("The audit is in progress: scores are saved as you type."))
    return redirect("audits:form", audit.pk)


def _wants_json(request) -> bool:
    return (
        "application/json" in request.headers.get("Accept", "")
        or request.headers.get("X-Requested-With") == "XMLHttpRequest"
    )


def progress(sheet) -> dict:
    running = sheet.running
    return {
        "scored": sheet.scored_count,
        "total": len(sheet.rows),
        "obtained": f"{running.obtained:.2f}",
        "applicable": f"{running.applicable:.2f}",
        "score": f"{running.score:.2f}",
        "grade": str(dict(Grade.choices).get(running.grade, _("not certified"))),
    }


@login_required
@require_POST
def save_item(request, pk, indicator_pk):
    """Autosave of one item: JSON with the new total and progress, or the field errors (nothing saved)."""
    audit = get_team_audit(request, pk)
    indicator = get_object_or_404(audit.indicator_set.leaves(), pk=indicator_pk)
    back = reverse("audits:form", args=[audit.pk]) + f"#item-{indicator.pk}"
    instance = ItemScore.objects.filter(audit=audit, indicator=indicator).first()
    form = ItemScoreForm(request.POST, instance=instance or ItemScore(audit=audit, indicator=indicator))
    try:
        if not audit.is_in_progress:
            raise AuditLocked(audit.get_status_display())  # checked again under the row lock when saving
        if not form.is_valid():
            return _item_refused(request, form.errors.get_json_data(), back, status=400)
        audit.record_score(form.instance, by=request.user)
    except TransitionError as error:
        return _item_refused(request, {"__all__": [{"message": error.message}]}, back, status=409)
    if not _wants_json(request):
        messages.success(request, _("Saved."))
        return redirect(back)
    sheet = scoresheet.build(audit)
    row = sheet.row_for(indicator.pk)  # with the item's nonconformities, which may cost its points
    assert row is not None  # the item just saved is a leaf of the audit's own indicator set
    return JsonResponse(
        {
            "ok": True,
            "item": {"obtained": f"{row.obtained:.2f}", "scored": row.is_scored},
            "progress": progress(sheet),
        }
    )


def _item_refused(request, errors: dict, back: str, *, status: int):
    messages_by_field = {field: [e["message"] for e in items] for field, items in errors.items()}
    if _wants_json(request):
        return JsonResponse({"ok": False, "errors": messages_by_field}, status=status)
    for items in messages_by_field.values():
        for message in items:
            messages.error(request, message)
    return redirect(back)


@login_required
@require_POST
def add_special_finding(request, pk):
    audit = get_team_audit(request, pk)
    form = SpecialFindingForm(request.POST, audit=audit, auto_id="finding_%s")
    if form.is_valid():
        data = form.cleaned_data
        extra = form.nonconformity_fields() if data["kind"] == "deduction" else {}
        try:
            audit.add_special_finding(
                by=request.user,
                kind=data["kind"],
                category=data.get("category", ""),
                indicator=data.get("indicator"),
                description=data["description"],
                **extra,
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        except TransitionError as error:
            return refuse(request, error.message, "audits:form", audit.pk)
        else:
            messages.success(request, _("Special finding recorded."))
            return redirect(reverse("audits:form", args=[audit.pk]) + "#findings")
    context = _form_context(request, audit, finding_form=form)
    return render(request, "audits/audit_form.html", context, status=400)


@login_required
@require_POST
def add_nonconformity(request, pk):
    audit = get_team_audit(request, pk)
    form = NonconformityForm(request.POST, audit=audit, auto_id="nc_%s")
    if form.is_valid():
        try:
            audit.raise_nonconformity(by=request.user, **form.cleaned_data)
        except TransitionError as error:
            return refuse(request, error.message, "audits:form", audit.pk)
        messages.success(request, _("Nonconformity recorded."))
        return redirect(reverse("audits:form", args=[audit.pk]) + "#nonconformities")
    context = _form_context(request, audit, nc_form=form)
    return render(request, "audits/audit_form.html", context, status=400)


@login_required
def submit_report(request, pk):
    """The team leader reviews the computed result, then submits; the form is locked from then on."""
    audit = get_team_audit(request, pk)
    if not Audit.WORKFLOW["submit"].permits(request.user, audit):
        raise PermissionDenied  # a team member who is not the leader
    if not permissions.can_submit_report(request.user, audit):
        return refuse(
            request, _("Only the team leader can submit the report of an audit in progress."), "audits:form", audit.pk
        )
    if request.method == "POST":
        try:
            services.submit_audit_report(audit=audit, by=request.user)
        except TransitionError as error:
            return refuse(request, error.message, "audits:submit", audit.pk)
        messages.success(request, _("The report is submitted. Its PDF is being prepared."))
        return redirect("audits:result", audit.pk)
    sheet = scoresheet.build(audit)
    context = {
        "audit": audit,
        "application": audit.application,
        "sheet": sheet,
        "result": sheet.result,
        "problems": sheet.submit_problems,
        "nonconformities": list(audit.nonconformities.select_related("indicator").order_by("pk")),
        "findings": list(audit.special_findings.order_by("pk")),
    }
    return render(request, "audits/submit.html", context)
