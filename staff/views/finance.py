"""The monthly finance report (applications/finance.py), downloaded by finance staff: those who confirm payments."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponseBase
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from applications import finance, permissions

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class MonthForm(forms.Form):
    month = forms.CharField(
        label=gettext_lazy("Month"),
        max_length=20,
        help_text=gettext_lazy("As YYYY-MM, e.g. 2026-11 (Beijing time)."),
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "2026-11"}),
    )

    def clean_month(self) -> finance.Month:
        try:
            month = finance.Month.parse(self.cleaned_data["month"])
        except ValueError:
            raise ValidationError(_("Give the month as YYYY-MM, e.g. 2026-11.")) from None
        if month.first_day > timezone.localdate():
            raise ValidationError(_("That month has not begun yet."))
        return month


@require_safe
def finance_report(request: HttpRequest) -> HttpResponseBase:
    if not permissions.can_issue_invoice(request.user):
        raise PermissionDenied
    form = MonthForm(request.GET or None, initial={"month": f"{timezone.localdate():%Y-%m}"})
    if form.is_bound and form.is_valid():
        month = form.cleaned_data["month"]
        return FileResponse(
            finance.workbook_file(month), as_attachment=True, filename=month.filename(), content_type=XLSX
        )
    context = {**admin.site.each_context(request), "title": _("Monthly finance report"), "form": form}
    return TemplateResponse(request, "admin/staff/finance_report.html", context, status=400 if form.is_bound else 200)
