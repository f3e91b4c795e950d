"""Public pages: the certificate register and the verification page the QR code points to (no login)."""

from django import forms
from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from applications import uscc
from certportal.ratelimit import allow, client_ip
from certportal.text import CheckedTextMixin
from certportal.verification import PdfVerification, UnreadablePdf, verify_pdf

from ..models import Certificate, SurveillanceReview, VerificationLookup
from ..pdf import certification_body

LOOKUPS_PER_MINUTE = 30
MAX_UPLOAD = 10 * 1024 * 1024  # a certificate PDF is a few hundred kilobytes
SHORTEST_SEARCH = 4  # a shorter query must be a whole certificate number or credit code


class SearchForm(CheckedTextMixin, forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Certificate number, enterprise name or credit code"),
        max_length=100,
        strip=True,
    )

    def clean_q(self):
        q = self.cleaned_data["q"]
        if len(q) < SHORTEST_SEARCH and not _exact_matches(q).exists():
            raise forms.ValidationError(
                _("Type at least %(count)d characters, or a whole certificate number or credit code.")
                % {"count": SHORTEST_SEARCH}
            )
        return q


def _exact_matches(q):
    return Certificate.objects.filter(Q(number__iexact=q) | Q(holder_credit_code=uscc.normalize(q)))


class CompareForm(CheckedTextMixin, forms.Form):
    pdf = forms.FileField(label=gettext_lazy("Certificate PDF"))

    def __init__(self, *args, issued_sha256: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.issued_sha256 = issued_sha256
        self.verification: PdfVerification | None = None

    def clean_pdf(self):
        upload = self.cleaned_data["pdf"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("The file is larger than 10 MB; a certificate PDF is much smaller."))
        data = upload.read()
        if not data.startswith(b"%PDF-"):
            raise forms.ValidationError(_("This file is not a PDF."))
        try:
            self.verification = verify_pdf(data, issued_sha256=self.issued_sha256)
        except UnreadablePdf:
            raise forms.ValidationError(_("This file cannot be read as a PDF: it is damaged or not a PDF.")) from None
        # A certificate issued before the portal signed its PDFs is still recognised by its SHA-256.
        if not self.verification.signed and not self.verification.matches_issued:
            raise forms.ValidationError(
                _("This PDF carries no electronic signature and is not the file we issued: it proves nothing.")
            )
        return upload


def _rate_limited(request):
    if allow(f"verify:{client_ip(request)}", limit=LOOKUPS_PER_MINUTE, window=60):
        return None
    return render(request, "certificates/rate_limited.html", status=429)


def _register_limited(request):
    """The register's result pages: a budget per address and one for everybody together (scraping)."""
    per_address = allow(
        f"register:{client_ip(request)}", limit=settings.REGISTER_PAGES_PER_MINUTE_PER_ADDRESS, window=60
    )
    if per_address and allow("register:all", limit=settings.REGISTER_PAGES_PER_MINUTE, window=60):
        return None
    return render(request, "certificates/rate_limited.html", status=429)


def _log(request, kind, query, certificate=None):
    VerificationLookup.objects.create(
        kind=kind,
        query=query[:200],
        certificate=certificate,
        found=certificate is not None,
        ip_address=client_ip(request) or None,
    )


def _certificate_for(token):
    return Certificate.objects.select_related("superseded_by", "supersedes").filter(verification_token=token).first()


def _verify_context(certificate, **extra):
    last_review = (
        SurveillanceReview.objects.filter(certificate=certificate, status=SurveillanceReview.Status.COMPLETED)
        .order_by("-completed_at")
        .first()
    )
    return {
        "certificate": certificate,
        "last_review": last_review,
        "compare_form": CompareForm(),
        "is_specimen": certificate.is_specimen,
        **certification_body(),
        **extra,
    }


@require_GET
def verify(request, token):
    """The truth about one certificate, whatever its status; an unknown token says only that."""
    if limited := _rate_limited(request):
        return limited
    certificate = _certificate_for(token)
    _log(request, VerificationLookup.Kind.VERIFY, token, certificate)
    if certificate is None:
        return render(request, "certificates/verify_unknown.html", status=404)
    return render(request, "certificates/verify.html", _verify_context(certificate))


@require_POST
def compare_pdf(request, token):
    """Check an uploaded PDF: its signature (who, unchanged or not, when) and whether it is the file we issued.
    The file is not stored."""
    if limited := _rate_limited(request):
        return limited
    certificate = _certificate_for(token)
    if certificate is None:
        return render(request, "certificates/verify_unknown.html", status=404)
    form = CompareForm(request.POST, request.FILES, issued_sha256=certificate.pdf_sha256)
    valid = form.is_valid()
    if valid:
        assert form.verification is not None  # set by a valid form
        _log(request, VerificationLookup.Kind.COMPARE, form.verification.sha256, certificate)
    context = _verify_context(certificate, verification=form.verification if valid else None)
    context["compare_form"] = form
    return render(request, "certificates/verify.html", context, status=200 if valid else 400)


@require_GET
def register(request):
    """Search the public register by certificate number, enterprise name or credit code."""
    form = SearchForm(request.GET or None)
    page = None
    if form.is_bound:
        if limited := _rate_limited(request) or _register_limited(request):
            return limited
        if form.is_valid():
            q = form.cleaned_data["q"]
            code = uscc.normalize(q)
            results = Certificate.objects.filter(
                Q(number__istartswith=q) | Q(holder_credit_code=code) | Q(holder_name__icontains=q)
            ).order_by("-issued_on", "-pk")
            page = Paginator(results, 20).get_page(request.GET.get("page"))
            _log(
                request, VerificationLookup.Kind.SEARCH, q, page.object_list[0] if len(page.object_list) == 1 else None
            )
    return render(
        request,
        "certificates/register.html",
        {
            "form": form,
            "page": page,
            "body_name": settings.CERTIFICATION_BODY_NAME,
            # Only a live certificate links to its verification page from the register; an ended one (withdrawn,
            # cancelled, expired, superseded) is listed with its status, and its token stays off the public list.
            "linked_statuses": Certificate.LIVE,
        },
    )
