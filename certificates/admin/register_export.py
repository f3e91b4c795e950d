"""The certificate register for reporting to the national certification information platform (CSV / XLSX)."""

import csv
import io

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

from certportal.text import spreadsheet_cell

CERTIFICATE_COLUMNS = [
    "证书编号 number",
    "持证组织 holder",
    "统一社会信用代码 credit code",
    "地址 address",
    "认证范围 scope",
    "依据标准 standard",
    "等级 grade",
    "得分 score",
    "颁证日期 issued",
    "有效期至 valid until",
    "状态 status",
    "状态日期 status since",
]
EVENT_COLUMNS = [
    "证书编号 number",
    "统一社会信用代码 credit code",
    "时间 at",
    "原状态 from",
    "新状态 to",
    "原因 reason",
    "操作人 by",
]


def _safe(value):
    # One check for every export (certportal.text): never a formula, nothing the XLSX format refuses.
    return "" if value is None else spreadsheet_cell(value)


def certificate_rows(queryset):
    for c in queryset.order_by("pk").iterator(chunk_size=2000):
        yield [
            c.number,
            c.holder_name,
            c.holder_credit_code,
            c.holder_address,
            c.scope,
            c.standard_edition,
            c.get_grade_display(),
            c.score,
            c.issued_on.isoformat(),
            c.expires_on.isoformat(),
            c.get_status_display(),
            timezone.localtime(c.status_changed_at).strftime("%Y-%m-%d %H:%M"),
        ]


def event_rows(queryset):
    from ..models import CertificateStatusChange

    changes = (
        CertificateStatusChange.objects.filter(certificate__in=queryset)
        .select_related("certificate", "by")
        .order_by("certificate_id", "at", "pk")
    )
    for ch in changes.iterator(chunk_size=2000):
        yield [
            ch.certificate.number,
            ch.certificate.holder_credit_code,
            timezone.localtime(ch.at).strftime("%Y-%m-%d %H:%M"),
            ch.get_from_status_display(),
            ch.get_to_status_display(),
            ch.reason,
            str(ch.by) if ch.by else "system",
        ]


class _Echo:
    def write(self, value):
        return value


def response(queryset, fmt: str):
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        for title, columns, rows in (
            ("certificates", CERTIFICATE_COLUMNS, certificate_rows(queryset)),
            ("status changes", EVENT_COLUMNS, event_rows(queryset)),
        ):
            sheet = book.create_sheet(title)
            sheet.append(columns)
            for row in rows:
                sheet.append([_safe(v) for v in row])
        buffer = io.BytesIO()
        book.save(buffer)
        reply = HttpResponse(
            buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        reply["Content-Disposition"] = f'attachment; filename="certificate-register-{stamp}.xlsx"'
        return reply
    writer = csv.writer(_Echo())

    def stream():
        yield "\ufeff"  # BOM so that Excel opens the UTF-8 Chinese text correctly
        yield writer.writerow(CERTIFICATE_COLUMNS + EVENT_COLUMNS[2:])
        events: dict[object, list[list[object]]] = {}
        for row in event_rows(queryset):
            events.setdefault(row[0], []).append(row[2:])
        for row in certificate_rows(queryset):
            for event in events.get(row[0], [[""] * 5]):
                yield writer.writerow([_safe(v) for v in row + event])

    streamed = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    streamed["Content-Disposition"] = f'attachment; filename="certificate-register-{stamp}.csv"'
    return streamed
