from typing import cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications.models import Application, Grade, MaterialFile
from certportal.downloads import attachment_response
from certportal.history import ReadOnlyMixin
from certportal.queue import enqueue_on_commit
from certportal.text import CheckedTextMixin
from certportal.workflow import TransitionError

from .. import services
from ..dossier import case_file_context
from ..models import CaseFile, DecisionDossier
from ..models.decisions import real_points
from ..policy import stars_limited

DECIDE = "certificates.decide_application"
DECISION_STATES = [Application.Status.AWAITING_DECISION, Application.Status.CERTIFIED, Application.Status.REFUSED]


class DecisionForm(CheckedTextMixin, forms.Form):
    outcome = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        widget=forms.RadioSelect,
        choices=[("grant", gettext_lazy("Grant certification")), ("refuse", gettext_lazy("Refuse certification"))],
    )
    grade = forms.ChoiceField(label=gettext_lazy("Grade"), required=False, choices=Grade.choices)
    reason = forms.CharField(
        label=gettext_lazy("Reasons"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Required when refusing or when lowering the computed grade."),
    )
    outstanding_exception = forms.BooleanField(
        label=gettext_lazy("Particularly outstanding results"),
        required=False,
        help_text=gettext_lazy("The exception that allows a star grade on a first certification."),
    )
    exception_reason = forms.CharField(
        label=gettext_lazy("Grounds for the exception"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, recommended: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        # Only the computed grade and the grades below it can be chosen: a decision never raises the grade.
        if recommended:
            rank = Grade.rank(recommended)
            cast(forms.ChoiceField, self.fields["grade"]).choices = [
                (g.value, g.label) for g in Grade if Grade.rank(g) <= rank
            ][::-1]
            self.fields["grade"].initial = recommended


@admin.register(CaseFile)
class CaseFileAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["reference", "org_name", "credit_code", "kind", "score", "grade", "status", "status_changed_at"]
    list_filter = ["status", "kind"]
    search_fields = ["org_name", "credit_code"]
    list_select_related = ["organization"]
    show_full_result_count = False
    ordering = ["status_changed_at"]

    @admin.display(description=gettext_lazy("reference"), ordering="pk")
    def reference(self, obj):
        return obj.reference

    def get_queryset(self, request):
        return super().get_queryset(request).filter(status__in=DECISION_STATES)

    def has_module_permission(self, request):
        return request.user.has_perm(DECIDE)

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm(DECIDE)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/decide/", wrap(self.decide_view), name="certificates_casefile_decide"),
            path("<int:pk>/file/<int:file_pk>/", wrap(self.file_view), name="certificates_casefile_file"),
            path("<int:pk>/dossier/", wrap(self.dossier_view), name="certificates_casefile_dossier"),
            path(
                "<int:pk>/dossier/<int:dossier_pk>/",
                wrap(self.dossier_download_view),
                name="certificates_casefile_dossier_download",
            ),
        ] + super().get_urls()

    def _case(self, request, pk) -> Application:
        if not request.user.has_perm(DECIDE):
            raise PermissionDenied
        return get_object_or_404(Application.objects.filter(status__in=DECISION_STATES), pk=pk)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        application = self._case(request, object_id)
        case = CaseFile.objects.get(pk=application.pk)
        awaiting = application.status == Application.Status.AWAITING_DECISION
        context = {
            **self.admin_site.each_context(request),
            **case_file_context(application),
            "opts": self.model._meta,
            "title": _("Case file %(ref)s") % {"ref": application.reference},
            "original": application,
            "decision": getattr(application, "decision", None),
            "form": DecisionForm(recommended=application.grade),
            # What blocks a decision, in the guards' own words (CaseFile.WORKFLOW): nothing is offered that would
            # be refused. Refusing needs impartiality and the report; granting also needs real points (the grade
            # and the exception the decision-maker types are checked when the form is sent).
            "decision_blocks": case.refusals("refuse", request.user) if awaiting else [],
            "grant_blocks": real_points(case, request.user) if awaiting else [],
            "stars_limited": stars_limited(application),
            "file_url_name": "admin:certificates_casefile_file",
            "dossier": application.dossiers.first(),
        }
        return TemplateResponse(request, "admin/certificates/casefile/case_file.html", context)

    def decide_view(self, request, pk):
        if request.method != "POST":
            return redirect("admin:certificates_casefile_change", pk)
        application = self._case(request, pk)
        form = DecisionForm(request.POST, recommended=application.grade)
        if not form.is_valid():
            messages.error(request, _("Please choose grant or refuse."))
            return redirect("admin:certificates_casefile_change", pk)
        data = form.cleaned_data
        try:
            if data["outcome"] == "grant":
                certificate = services.grant_certification(
                    application=application,
                    by=request.user,
                    grade=data["grade"],
                    reason=data["reason"],
                    outstanding_exception=data["outstanding_exception"],
                    exception_reason=data["exception_reason"],
                )
                messages.success(
                    request,
                    _("Certification granted: certificate %(number)s is being produced.")
                    % {"number": certificate.number},
                )
            else:
                services.refuse_certification(application=application, by=request.user, reason=data["reason"])
                messages.success(request, _("Certification refused; the applicant has been told why."))
        except TransitionError as error:
            messages.error(request, error.message)
        return redirect("admin:certificates_casefile_change", pk)

    def file_view(self, request, pk, file_pk):
        application = self._case(request, pk)
        material_file = get_object_or_404(MaterialFile, pk=file_pk, item__application=application)
        return attachment_response(material_file.file, material_file.original_name, material_file.content_type)

    def dossier_view(self, request, pk):
        if request.method != "POST":
            return redirect("admin:certificates_casefile_change", pk)
        application = self._case(request, pk)
        from ..tasks import build_decision_dossier

        with transaction.atomic():
            dossier = DecisionDossier.objects.create(application=application, requested_by=request.user)
            enqueue_on_commit(build_decision_dossier, dossier.pk)
        messages.info(request, _("The dossier is being built; this page shows its progress."))
        return redirect(reverse("admin:certificates_casefile_change", args=[pk]) + "#dossier")

    def dossier_download_view(self, request, pk, dossier_pk):
        application = self._case(request, pk)
        dossier = get_object_or_404(application.dossiers, pk=dossier_pk, status=DecisionDossier.Status.READY)
        if not dossier.file:
            raise Http404
        return attachment_response(dossier.file, f"{application.reference}-dossier.zip", "application/zip")
