"""The audit report PDF (审查报告): bilingual, per-indicator scores, findings and the selected photos.

Photos go in as their derivatives (≈1600 px, no EXIF) as data: URIs, so the safe fetcher needs no file access.
"""

import base64

from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils import translation

from certportal.pdf import render_pdf

from . import scoresheet
from .models import Audit, AuditPhoto, AuditTeamMember

GRADE_ZH = {"compliant": "达标级", "three_star": "三星级", "four_star": "四星级", "five_star": "五星级"}
GRADE_EN = {
    "compliant": "Compliance level",
    "three_star": "Three-star",
    "four_star": "Four-star",
    "five_star": "Five-star",
}
KIND_ZH = {"initial": "初次认证审查", "surveillance": "监督审查", "recertification": "再认证审查"}
SEVERITY_ZH = {"major": "严重", "minor": "一般"}


def _data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode()


def photo_data_uri(photo: AuditPhoto) -> str:
    with photo.derivative.open("rb") as f:
        return _data_uri(f.read(), "image/jpeg")


def report_photos(audit: Audit) -> list[dict]:
    photos = audit.photos.filter(in_report=True, status=AuditPhoto.Status.READY).select_related("indicator")
    return [{"photo": p, "src": photo_data_uri(p)} for p in photos.order_by("indicator__order", "uploaded_at", "pk")]


def report_context(audit: Audit) -> dict:
    sheet = scoresheet.build(audit)
    result = sheet.result
    team = list(audit.team.select_related("auditor").order_by("role", "pk"))
    with open(finders.find("img/logo.svg"), "rb") as f:
        logo = _data_uri(f.read(), "image/svg+xml")
    return {
        "audit": audit,
        "application": audit.application,
        "kind_zh": KIND_ZH.get(audit.kind, ""),
        "team": team,
        "lead": next((m for m in team if m.role == AuditTeamMember.Role.LEAD), None),
        "sheet": sheet,
        "result": result,
        "grade_zh": GRADE_ZH.get(result.grade, "不予认证"),
        "grade_en": GRADE_EN.get(result.grade, "Not certified"),
        "score_grade_zh": GRADE_ZH.get(result.score_grade, "—"),
        "findings": list(audit.special_findings.select_related("indicator").order_by("kind", "pk")),
        "nonconformities": [
            (nc, SEVERITY_ZH[nc.severity]) for nc in audit.nonconformities.select_related("indicator").order_by("pk")
        ],
        "photos": report_photos(audit),
        "logo_data_uri": logo,
        "body_name": settings.CERTIFICATION_BODY_NAME,
        "body_name_en": settings.CERTIFICATION_BODY_NAME_EN,
    }


def render_report(audit: Audit, *, fetcher=None) -> bytes:
    with translation.override("zh-hans"):  # the layout is bilingual; dates and numbers in Chinese style
        return render_pdf("audits/report_pdf.html", report_context(audit), fetcher=fetcher)
