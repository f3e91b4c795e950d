"""The staff dashboard: where the work stands today, across applications, payments, audits and surveillance."""

import datetime
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from applications.admin.changelist import late_q
from applications.models import Application, Grade, Payment, Quote
from audits.models import Audit
from certificates.models import Certificate, SurveillanceReview

LIST_LENGTH = 10


def dashboard(request: HttpRequest) -> TemplateResponse:
    if not request.user.has_perm("applications.view_application"):
        raise PermissionDenied
    today = timezone.localdate()
    context = {
        **admin.site.each_context(request),
        "title": _("Staff dashboard"),
        "today": today,
        "state_counts": state_counts(),
        **work_queues(today),
        "surveillance_days": settings.SURVEILLANCE_DUE_SOON_DAYS,
        "monthly_chart": bar_chart(applications_per_month(today)),
        "grade_chart": bar_chart(grade_distribution()),
        "changelist_url": reverse("admin:applications_application_changelist"),
    }
    return TemplateResponse(request, "admin/staff/dashboard.html", context)


def work_queues(today: datetime.date) -> dict[str, Any]:
    """What needs staff now: late applications, receipts to check, this month's audits, surveillance due soon, and
    certificates whose surveillance or annual fee is unpaid past due (for the decision-maker)."""
    late = Application.objects.filter(late_q())
    payments = Payment.objects.filter(status=Payment.Status.RECEIPT_UPLOADED)
    month_start = today.replace(day=1)
    month_end = (month_start + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    audits = Audit.objects.filter(planned_start__lte=month_end, planned_end__gte=month_start)
    surveillance = SurveillanceReview.objects.exclude(status=SurveillanceReview.Status.COMPLETED).filter(
        due_date__lte=today + datetime.timedelta(days=settings.SURVEILLANCE_DUE_SOON_DAYS)
    )
    unpaid = Quote.objects.overdue(today).filter(certificate__status__in=Certificate.LIVE)
    return {
        "unpaid_fees_count": unpaid.values("certificate").distinct().count(),
        "unpaid_fees": unpaid.select_related("certificate", "application", "surveillance_review").order_by(
            "due_on", "pk"
        )[:LIST_LENGTH],
        "late_count": late.count(),
        "late": late.select_related("organization").order_by("status_changed_at")[:LIST_LENGTH],
        "payments_count": payments.count(),
        "payments": payments.select_related("application").order_by("receipt_uploaded_at")[:LIST_LENGTH],
        "audits": audits.select_related("application").prefetch_related("team__auditor").order_by("planned_start"),
        "surveillance_count": surveillance.count(),
        "surveillance": surveillance.select_related("certificate").order_by("due_date")[:LIST_LENGTH],
    }


def state_counts() -> list[dict[str, Any]]:
    counts = dict(Application.objects.order_by().values_list("status").annotate(n=Count("pk")))
    return [{"status": status, "label": status.label, "count": counts.get(status, 0)} for status in Application.Status]


def applications_per_month(today: datetime.date, months: int = 12) -> list[dict[str, Any]]:
    """Applications first submitted in each of the last `months` months, oldest first."""
    firsts = [today.replace(day=1)]
    for _i in range(months - 1):
        firsts.insert(0, (firsts[0] - datetime.timedelta(days=1)).replace(day=1))
    start = timezone.make_aware(datetime.datetime.combine(firsts[0], datetime.time()))
    rows = (
        Application.objects.filter(submitted_at__gte=start)
        .annotate(month=TruncMonth("submitted_at", tzinfo=timezone.get_current_timezone()))
        .order_by()
        .values_list("month")
        .annotate(n=Count("pk"))
    )
    counts = {month.date() if isinstance(month, datetime.datetime) else month: n for month, n in rows}
    return [
        {
            "label": f"{first:%m}",
            "sublabel": str(first.year) if first.month == 1 or first == firsts[0] else "",
            "title": f"{first:%Y-%m}",
            "value": counts.get(first, 0),
        }
        for first in firsts
    ]


def grade_distribution() -> list[dict[str, Any]]:
    """Grades of the certified applications, lowest grade first."""
    counts = dict(
        Application.objects.filter(status=Application.Status.CERTIFIED)
        .order_by()
        .values_list("grade")
        .annotate(n=Count("pk"))
    )
    return [{"label": str(grade.label), "value": counts.get(grade, 0)} for grade in Grade]


def bar_chart(data: list[dict[str, Any]], *, width: int = 560, height: int = 210, gutter: int = 36) -> dict[str, Any]:
    """Geometry of a vertical bar chart for an inline SVG drawn by the template (no script involved).

    `data` holds one dict per bar: label, value, and optionally sublabel (a second line) and title (tooltip).
    """
    top = max((d["value"] for d in data), default=0) or 1
    slot = width / max(len(data), 1)
    bar = slot * 0.6
    plot = height - 2 * gutter
    bars = []
    for index, d in enumerate(data):
        bar_height = round(plot * d["value"] / top, 1)
        x = round(index * slot + (slot - bar) / 2, 1)
        y = round(gutter + plot - bar_height, 1)
        bars.append(
            {
                "title": d.get("title") or d["label"],
                "sublabel": d.get("sublabel", ""),
                **d,
                "x": x,
                "y": y,
                "value_y": round(y - 4, 1),
                "width": round(bar, 1),
                "height": bar_height,
                "center": round(x + bar / 2, 1),
            }
        )
    return {
        "bars": bars,
        "width": width,
        "height": height,
        "baseline": height - gutter,
        "label_y": height - gutter + 15,
        "sublabel_y": height - gutter + 29,
        "total": sum(d["value"] for d in data),
    }
