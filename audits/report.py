"""The audit report PDF (审查报告): bilingual, per-indicator scores, findings and the selected photos.

Photos go in as their derivatives (≈1600 px, no EXIF), read before rendering and handed to WeasyPrint through
the safe fetcher under `photo:<key>` URLs: only this audit's chosen photos, no file or network access. (As data:
URIs, 20 photos made the HTML parser scan 13 MB of base64, which took a second per report.)
"""

import base64

from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils import translation

from certportal.pdf import render_pdf, safe_fetcher

from . import scoresheet
from .models import Audit, AuditPhoto, AuditTeamMember

PHOTO_SCHEME = "photo"
GRADE_ZH = {"compliant": "达标级", "three_star": "三星级", "four_star": "四星级", "five_star": "五星级"}
GRADE_EN = {
    "compliant": "Compliance level",
    "three_star": "Three-star",
    "four_star": "Four-star",
    "five_star": "Five-star",
}
KIND_ZH = {"initial": "初次认证审查", "surveillance": "监督审查", "recertification": "再认证审查"}
KIND_EN = {
    "initial": "Initial audit",
    "surveillance": "Surveillance audit",
    "recertification": "Re-certification audit",
}
# The report is bilingual whatever the reader's language, so its labels are fixed here, not translated.
SEVERITY = {"major": "严重 / Major", "minor": "一般 / Minor"}
ROLE = {"lead": "组长 / Team leader", "member": "组员 / Auditor", "expert": "技术专家 / Technical expert"}
CATEGORY = {
    "law": "违反法律法规 / Breach of laws or regulations",
    "own_rules": "违反企业自身服务规定 / Breach of the company's own service rules",
    "industry": "违反行业专业要求 / Breach of industry-specific requirements",
    "system": "影响服务体系运行 / Affects the running of the service system",
}
NC_STATUS = {
    "open": "待整改 / Open",
    "responded": "已提交整改 / Corrective action submitted",
    "verified": "已验证 / Verified",
    "reopened": "重新打开 / Reopened",
}


def _data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64," + base64.b64encode(data).decode()


def report_photos(audit: Audit) -> list[dict]:
    """The photos chosen for the report, with their derivative's bytes."""
    photos = audit.photos.filter(in_report=True, status=AuditPhoto.Status.READY).select_related("indicator")
    chosen = []
    for photo in photos.order_by("indicator__order", "uploaded_at", "pk"):
        with photo.derivative.open("rb") as f:
            chosen.append({"photo": photo, "src": f"{PHOTO_SCHEME}:{photo.key.hex}", "data": f.read()})
    return chosen


def photo_fetcher(photos: list[dict]):
    """The safe fetcher, which also answers photo:<key> for exactly these photos."""
    from weasyprint.urls import URLFetcherResponse

    fetcher = safe_fetcher()
    by_url = {item["src"]: item["data"] for item in photos}
    fallback = fetcher.fetch

    def fetch(url, headers=None):
        if url in by_url:
            return URLFetcherResponse(url, body=by_url[url], headers={"Content-Type": "image/jpeg"})
        return fallback(url, headers)

    fetcher.fetch = fetch
    return fetcher


def report_context(audit: Audit) -> dict:
    sheet = scoresheet.build(audit)
    result = sheet.result
    team = list(audit.team.select_related("auditor").order_by("role", "pk"))
    logo_path = finders.find("img/logo.svg")
    assert isinstance(logo_path, str)  # one of the project's static files
    with open(logo_path, "rb") as f:
        logo = _data_uri(f.read(), "image/svg+xml")
    return {
        "audit": audit,
        "application": audit.application,
        "kind_zh": KIND_ZH.get(audit.kind, ""),
        "kind_en": KIND_EN.get(audit.kind, ""),
        "team": [(member, ROLE[member.role]) for member in team],
        "lead": next((m for m in team if m.role == AuditTeamMember.Role.LEAD), None),
        "sheet": sheet,
        "result": result,
        "grade_zh": GRADE_ZH.get(result.grade, "不予认证"),
        "grade_en": GRADE_EN.get(result.grade, "Not certified"),
        "score_grade_zh": GRADE_ZH.get(result.score_grade, "—"),
        "findings": [
            (finding, CATEGORY.get(finding.category, ""))
            for finding in audit.special_findings.select_related("indicator").order_by("kind", "pk")
        ],
        "nonconformities": [
            (nc, SEVERITY[nc.severity], NC_STATUS[nc.status])
            for nc in audit.nonconformities.select_related("indicator").order_by("pk")
        ],
        "photos": report_photos(audit),
        "logo_data_uri": logo,
        "body_name": settings.CERTIFICATION_BODY_NAME,
        "body_name_en": settings.CERTIFICATION_BODY_NAME_EN,
    }


def render_report(audit: Audit) -> bytes:
    with translation.override("zh-hans"):  # the layout is bilingual; dates and numbers in Chinese style
        context = report_context(audit)
        return render_pdf("audits/report_pdf.html", context, fetcher=photo_fetcher(context["photos"]))
