"""The monthly finance report: one XLSX workbook of a calendar month (Beijing time) for the body's finance staff.

Sheets, each with a header row in the reader's language, its rows and a totals row:

- Quotes: every quote issued in the month, with its event (initial, re-certification, surveillance, annual fee,
  travel) and the total of its lines;
- Invoices: every e-invoice issued in the month (positive), and every voiding (红冲) in the month as a
  red-letter row with the negative amount, so the total is the month's net invoiced amount;
- Payments: payments confirmed in the month (the first time each was confirmed, from its history), grouped by
  method with a subtotal for each method present, then the total;
- Refunds: payments refunded in the month;
- Outstanding: quotes issued by the month's end that no payment had settled by then (confirmed before the month
  ended), except those of withdrawn applications, with the due date and the days overdue at the month's end.

Amounts are numbers formatted `¥#,##0.00`; text cells go through `spreadsheet_cell` (never a formula). Each sheet
is one query, read with `iterator()` and written by openpyxl in write-only mode to a temporary file, so the
memory used and the number of queries do not grow with the number of rows.
"""

import calendar
import datetime
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from django.db.models import DecimalField, Exists, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from certportal.text import spreadsheet_cell
from certportal.workflow import choice_label

from .models import Application, InvoiceRequest, Payment, Quote

AMOUNT_FORMAT = "¥#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
CHUNK = 2000


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> "Month":
        """ "2026-11" → Month(2026, 11); ValueError for anything else."""
        year, _sep, month = (text or "").strip().partition("-")
        if not (len(year) == 4 and year.isdigit() and len(month) == 2 and month.isdigit()):
            raise ValueError(text)
        parsed = cls(int(year), int(month))
        if not 1 <= parsed.month <= 12 or parsed.year < 2000:
            raise ValueError(text)
        return parsed

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> datetime.date:
        return datetime.date(self.year, self.month, 1)

    @property
    def last_day(self) -> datetime.date:
        return datetime.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def start(self) -> datetime.datetime:
        return _local_midnight(self.first_day)

    @property
    def end(self) -> datetime.datetime:
        """The first moment after the month."""
        return _local_midnight(self.last_day + datetime.timedelta(days=1))

    def filename(self) -> str:
        return f"certportal-finance-{self}.xlsx"


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


@dataclass
class Sheet:
    title: str
    header: list[str]
    rows: Iterable[list[Any]]  # the last value of each row is the amount


def write(month: Month, output: IO[bytes]) -> None:
    """Write the month's workbook to `output` (a binary file)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for sheet in sheets(month):
        _write_sheet(workbook, sheet)
    workbook.save(output)


def workbook_file(month: Month) -> IO[bytes]:
    """The month's workbook in a temporary file, rewound (the caller streams and closes it)."""
    output = tempfile.TemporaryFile()  # noqa: SIM115 - returned open; FileResponse closes it once sent
    write(month, output)
    output.seek(0)
    return output


def sheets(month: Month) -> list[Sheet]:
    return [
        Sheet(
            _("Quotes"),
            [_("Issued"), _("Application"), _("Organization"), _("For"), _("Due by"), _("Amount (¥)")],
            quote_rows(month),
        ),
        Sheet(
            _("Invoices"),
            [
                _("Date"),
                _("Invoice number"),
                _("Invoice type"),
                _("Status"),
                _("Application"),
                _("Payment"),
                _("Invoice title"),
                _("Taxpayer identification number"),
                _("Amount (¥)"),
            ],
            invoice_rows(month),
        ),
        Sheet(
            _("Payments"),
            [_("Confirmed"), _("Method"), _("Payment"), _("Application"), _("Organization"), _("Amount (¥)")],
            payment_rows(month),
        ),
        Sheet(
            _("Refunds"),
            [
                _("Refunded"),
                _("Method"),
                _("Payment"),
                _("Application"),
                _("Organization"),
                _("Reason"),
                _("Amount (¥)"),
            ],
            refund_rows(month),
        ),
        Sheet(
            _("Outstanding"),
            [
                _("Issued"),
                _("Application"),
                _("Organization"),
                _("For"),
                _("Due by"),
                _("Days overdue"),
                _("Amount (¥)"),
            ],
            outstanding_rows(month),
        ),
    ]


# --- the rows ---------------------------------------------------------------------------------------------------


def _organization(application: Application) -> str:
    return application.org_name or application.organization.name


def _lines_total(queryset):
    return queryset.annotate(
        lines_total=Coalesce(
            Sum("lines__amount"), Value(Decimal(0)), output_field=DecimalField(max_digits=12, decimal_places=2)
        )
    )


def quote_rows(month: Month) -> Iterator[list[Any]]:
    quotes = _lines_total(
        Quote.objects.filter(created_at__gte=month.start, created_at__lt=month.end)
        .select_related("application__organization")
        .order_by("created_at", "pk")
    )
    for quote in quotes.iterator(chunk_size=CHUNK):
        yield [
            timezone.localdate(quote.created_at),
            quote.application.reference,
            _organization(quote.application),
            choice_label(Quote.Event, quote.event),
            quote.due_on,
            quote.lines_total,
        ]


def invoice_rows(month: Month) -> Iterator[list[Any]]:
    in_month = Q(issued_on__gte=month.first_day, issued_on__lte=month.last_day)
    voided_in_month = Q(status=InvoiceRequest.Status.VOIDED, voided_at__gte=month.start, voided_at__lt=month.end)
    invoices = (
        InvoiceRequest.objects.filter(in_month | voided_in_month)
        .exclude(number="")
        .select_related("payment__application")
        .order_by("issued_on", "pk")
    )
    for invoice in invoices.iterator(chunk_size=CHUNK):
        # The invoice as issued, then (in the month it was voided) its red-letter counterpart.
        rows = []
        if invoice.issued_on and month.first_day <= invoice.issued_on <= month.last_day:
            rows.append((invoice.issued_on, _("Issued"), invoice.payment.amount))
        if invoice.voided_at and month.start <= invoice.voided_at < month.end:
            rows.append((timezone.localdate(invoice.voided_at), _("Voided (red-letter)"), -invoice.payment.amount))
        for day, status, amount in rows:
            yield [
                day,
                invoice.number,
                choice_label(InvoiceRequest.Kind, invoice.kind),
                status,
                invoice.payment.application.reference,
                invoice.payment.reference,
                invoice.title,
                invoice.taxpayer_id,
                amount,
            ]


def _first_time(status: str):
    """The moment a payment first reached `status`, from its history (a later status does not erase it)."""
    history = Payment.history.model.objects.filter(id=OuterRef("pk"), status=status).order_by("history_date")
    return Subquery(history.values("history_date")[:1])


def _payments_reaching(status: str, month: Month):
    return (
        Payment.objects.annotate(at=_first_time(status))
        .filter(at__gte=month.start, at__lt=month.end)
        .select_related("application__organization")
    )


def payment_rows(month: Month) -> Iterator[list[Any]]:
    """The month's confirmed payments by method, each method followed by its subtotal."""
    payments = _payments_reaching(Payment.Status.CONFIRMED, month).order_by("method", "at", "pk")
    subtotals: dict[str, Decimal] = defaultdict(Decimal)
    current = None
    for payment in payments.iterator(chunk_size=CHUNK):
        if current is not None and payment.method != current:
            yield _subtotal(current, subtotals[current])
        current = payment.method
        subtotals[current] += payment.amount
        yield [*_payment_cells(payment), payment.amount]
    if current is not None:
        yield _subtotal(current, subtotals[current])


def _subtotal(method: str, amount: Decimal) -> list[Any]:
    label = _Label(_("Subtotal: %(method)s") % {"method": choice_label(Payment.Method, method)})
    return ["", label, "", "", "", amount]


def refund_rows(month: Month) -> Iterator[list[Any]]:
    refunds = _payments_reaching(Payment.Status.REFUNDED, month).order_by("at", "pk")
    for payment in refunds.iterator(chunk_size=CHUNK):
        yield [*_payment_cells(payment), payment.reason, payment.amount]


def _payment_cells(payment) -> list[Any]:
    """When (`at`, Beijing time, as the spreadsheet's plain date and time), how, which payment and whose."""
    return [
        timezone.localtime(payment.at).replace(tzinfo=None),
        choice_label(Payment.Method, payment.method),
        payment.reference,
        payment.application.reference,
        _organization(payment.application),
    ]


def outstanding_rows(month: Month) -> Iterator[list[Any]]:
    settled = Payment.objects.annotate(at=_first_time(Payment.Status.CONFIRMED)).filter(
        quote=OuterRef("pk"), at__lt=month.end
    )
    quotes = _lines_total(
        Quote.objects.filter(created_at__lt=month.end)
        .exclude(Exists(settled))
        .exclude(application__status=Application.Status.WITHDRAWN)
        .select_related("application__organization")
        .order_by("due_on", "created_at", "pk")
    )
    for quote in quotes.iterator(chunk_size=CHUNK):
        overdue = (month.last_day - quote.due_on).days if quote.due_on else None
        yield [
            timezone.localdate(quote.created_at),
            quote.application.reference,
            _organization(quote.application),
            choice_label(Quote.Event, quote.event),
            quote.due_on,
            max(overdue, 0) if overdue is not None else None,
            quote.lines_total,
        ]


# --- writing ----------------------------------------------------------------------------------------------------


class _Label(str):
    """A cell that labels a subtotal row: the row is written in bold, and not counted as a row of the sheet."""


def _write_sheet(workbook, sheet: Sheet) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    worksheet = workbook.create_sheet(_sheet_title(sheet.title))
    bold = Font(bold=True)

    def cell(value, *, amount: bool = False, strong: bool = False):
        if isinstance(value, str):
            value = spreadsheet_cell(str(value))
        written = WriteOnlyCell(worksheet, value=value)
        if amount:
            written.number_format = AMOUNT_FORMAT
        elif isinstance(value, datetime.datetime):
            written.number_format = "yyyy-mm-dd hh:mm"
        elif isinstance(value, datetime.date):
            written.number_format = DATE_FORMAT
        if strong:
            written.font = bold
        return written

    worksheet.append([cell(title, strong=True) for title in sheet.header])
    total, count = Decimal(0), 0
    for row in sheet.rows:
        label = any(isinstance(value, _Label) for value in row)
        if not label:
            total += row[-1]
            count += 1
        worksheet.append([cell(v, strong=label) for v in row[:-1]] + [cell(row[-1], amount=True, strong=label)])
    blanks = [cell(None) for _ in sheet.header[1:-1]]
    totals = _("Total (%(count)d)") % {"count": count}
    worksheet.append([cell(totals, strong=True), *blanks, cell(total, amount=True, strong=True)])


def _sheet_title(title: str) -> str:
    """At most 31 characters, none of those Excel refuses in a sheet's name."""
    return "".join(c for c in title if c not in "[]:*?/\\")[:31]
