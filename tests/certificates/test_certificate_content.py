"""What a certificate says (ISO/IEC 17065 §7.7, domain.md §4.2): its number, the standard with its edition, the
body and its signatory, and, for one granted in demo mode on placeholder points, that it is only a specimen."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import reverse
from pypdf import PdfReader

from applications.models import Application
from audits.models import Audit, IndicatorSet
from certificates import services
from certificates.checks import certificate_number_check, demo_mode_check
from certificates.models import CertificateNumberSequence, Decision
from certificates.numbering import certificate_number, pattern_problems, recertification_count, size_letter
from certificates.pdf import certificate_context, render_certificate
from tests.factories import AuditFactory, in_state

pytestmark = pytest.mark.django_db
MAY_2026 = datetime.date(2026, 5, 6)
CNCA = "034{yy}Q{seq:05d}R{recert}{size}"


@pytest.fixture(autouse=True)
def _body(settings, certification_body):
    cache.clear()  # the public page's rate limit
    settings.CERTIFICATE_SIGNATORY_NAME = "赵敏"
    settings.CERTIFICATE_SIGNATORY_TITLE = "技术负责人"
    settings.CERTIFICATE_SIGNATORY_TITLE_EN = "Technical Manager"


@pytest.fixture
def real_points():
    """An indicator set whose points were entered from the standard (the seeded one has placeholders)."""
    edition = "GB/T 27922-2026"
    return IndicatorSet.objects.create(
        name="正式分值",
        standard_edition=edition,
        version=IndicatorSet.next_version(edition),
        has_placeholder_points=False,
    )


@pytest.fixture
def placeholder_points():
    indicator_set = IndicatorSet.objects.get(is_active=True)
    assert indicator_set.has_placeholder_points  # the seeded demo set
    return indicator_set


def _audited(indicator_set, **kwargs) -> Application:
    application = in_state(Application.Status.AWAITING_DECISION, grade="four_star", score=Decimal("91.50"), **kwargs)
    AuditFactory(application=application, indicator_set=indicator_set, status=Audit.Status.CLOSED)
    return application


def _grant(application, decision_maker):
    """The decision's own rules (impartiality, grade, placeholder points) are tested with the grant; here only
    what the certificate it produces says."""
    decision = Decision.objects.create(
        application=application,
        outcome=Decision.Outcome.GRANT,
        recommended_grade=application.grade,
        grade=application.grade,
        decided_by=decision_maker,
    )
    return services.issue_certificate(decision=decision)


def _pdf_text(certificate) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(render_certificate(certificate))).pages)


# --- the number ---------------------------------------------------------------------------------------------------


def test_the_default_pattern_still_numbers_as_before(settings):
    assert settings.CERTIFICATE_NUMBER_PATTERN == "CP-{year}-{seq:06d}"
    application = in_state(Application.Status.AWAITING_DECISION)
    assert certificate_number(application, MAY_2026) == "CP-2026-000001"
    assert certificate_number(application, MAY_2026) == "CP-2026-000002"
    assert certificate_number(application, datetime.date(2027, 1, 2)) == "CP-2027-000001"  # per year
    assert CertificateNumberSequence.objects.get(year=2026).last_value == 2


def test_the_tokens_give_a_cnca_style_number(settings):
    settings.CERTIFICATE_NUMBER_PATTERN = CNCA
    small = in_state(Application.Status.AWAITING_DECISION, employee_count=8)
    large = in_state(Application.Status.AWAITING_DECISION, employee_count=1500)
    assert certificate_number(small, MAY_2026) == "03426Q00001R0S"
    assert certificate_number(large, MAY_2026) == "03426Q00002R0L"
    settings.CERTIFICATE_NUMBER_PATTERN = "{year}/{yy}-{seq}"  # a slash is refused by the check, not here
    assert certificate_number(small, MAY_2026) == "2026/26-3"


@pytest.mark.parametrize(
    ("employees", "letter"), [(None, "S"), (1, "S"), (299, "S"), (300, "M"), (999, "M"), (1000, "L"), (10**6, "L")]
)
def test_the_size_letter_follows_the_employee_thresholds(employees, letter):
    assert size_letter(employees) == letter


def test_the_size_thresholds_are_a_setting(settings):
    settings.CERTIFICATE_SIZE_LETTERS = {"A": 0, "B": 50, "C": 500}
    assert [size_letter(n) for n in (49, 50, 499, 500)] == ["A", "B", "B", "C"]


def test_the_recertification_count_follows_the_chain_of_renewals():
    first = in_state(Application.Status.CERTIFIED)
    second = in_state(Application.Status.CERTIFIED, kind=Application.Kind.RECERTIFICATION, renews=first)
    third = in_state(Application.Status.AWAITING_DECISION, kind=Application.Kind.RECERTIFICATION, renews=second)
    assert [recertification_count(a) for a in (first, second, third)] == [0, 1, 2]
    # An application too late to renew is an initial certification again, whatever it links to.
    late = in_state(Application.Status.AWAITING_DECISION, kind=Application.Kind.INITIAL, renews=third)
    assert recertification_count(late) == 0


def test_a_renewal_is_numbered_r1(settings, decision_maker, real_points):
    settings.CERTIFICATE_NUMBER_PATTERN = CNCA
    first = _grant(_audited(real_points, employee_count=400), decision_maker)
    renewal = _audited(real_points, kind=Application.Kind.RECERTIFICATION, renews=first.application)
    second = _grant(renewal, decision_maker)
    yy = f"{first.issued_on.year % 100:02d}"
    assert (first.number, second.number) == (f"034{yy}Q00001R0M", f"034{yy}Q00002R1S")
    assert second.supersedes == first


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("CP-{seq:06d}", "lacks {year} or {yy}"),
        ("CP-{year}", "lacks {seq}"),
        ("CP-{year}-{serial}", "unknown tokens {serial}"),
        ("CP-{year-{seq}", "not a valid pattern"),
        ("CP-{year}-{seq}-{size:d}", "cannot be filled in"),
        ("CP/{year}/{seq}", "use only letters, digits"),
        ("证书-{year}-{seq}", "use only letters, digits"),
        ("CP-{year}-{seq:040d}", "longer than the 40 characters"),
    ],
)
def test_an_invalid_pattern_stops_the_start_up(settings, pattern, problem):
    settings.CERTIFICATE_NUMBER_PATTERN = pattern
    (error,) = certificate_number_check()
    assert error.id == "certificates.E003" and problem in error.msg and pattern in error.msg
    with pytest.raises(SystemCheckError, match="certificates.E003"):
        call_command("check")


@pytest.mark.parametrize("pattern", ["CP-{year}-{seq:06d}", CNCA, "{yy}{seq:04d}", "X_{year}.{seq}-R{recert}"])
def test_valid_patterns_pass_the_check(settings, pattern):
    settings.CERTIFICATE_NUMBER_PATTERN = pattern
    assert pattern_problems(pattern) == [] and certificate_number_check() == []


def test_bad_size_letters_stop_the_start_up(settings):
    settings.CERTIFICATE_SIZE_LETTERS = {"small business": 0, "M": -1}
    assert [e.id for e in certificate_number_check()] == ["certificates.E003", "certificates.E003"]
    settings.CERTIFICATE_SIZE_LETTERS = {}
    assert "is empty" in certificate_number_check()[0].msg


# --- demo mode --------------------------------------------------------------------------------------------------


def test_demo_mode_is_an_error_in_deployment(settings):
    settings.DEMO_MODE = False
    assert demo_mode_check() == []
    settings.DEMO_MODE = True
    assert [e.id for e in demo_mode_check()] == ["certificates.E002"]


def test_a_certificate_on_real_points_is_no_specimen(decision_maker, real_points):
    certificate = _grant(_audited(real_points), decision_maker)
    assert certificate.is_specimen is False


def test_a_certificate_on_placeholder_points_is_a_specimen(settings, decision_maker, placeholder_points):
    settings.DEMO_MODE = True
    certificate = _grant(_audited(placeholder_points), decision_maker)
    assert certificate.is_specimen is True


def test_a_surveillance_audit_on_placeholder_points_does_not_make_a_specimen(
    decision_maker, real_points, placeholder_points
):
    certificate = _grant(_audited(real_points), decision_maker)
    AuditFactory(application=certificate.application, indicator_set=placeholder_points, kind=Audit.Kind.SURVEILLANCE)
    assert certificate.is_specimen is False


# --- what the certificate shows -----------------------------------------------------------------------------------


def test_the_standard_and_its_edition_come_from_the_audit(decision_maker, real_points):
    certificate = _grant(_audited(real_points), decision_maker)
    assert certificate.standard_edition == "GB/T 27922-2026"


def test_the_pdf_names_the_body_its_address_and_the_signatory_and_no_specimen(decision_maker, real_points):
    certificate = _grant(_audited(real_points), decision_maker)
    context = certificate_context(certificate)
    assert context["is_specimen"] is False
    text = _pdf_text(certificate)
    for expected in (
        "华信认证中心",
        "杭州市西湖区文三路 90 号",
        "90 Wensan Road, Hangzhou",
        "赵敏",
        "技术负责人 / Technical Manager",
        "Authorized signatory",
        "GB/T 27922-2026",
    ):
        assert expected in text
    assert "SPECIMEN" not in text and "样本" not in text


def test_a_specimen_pdf_carries_the_watermark(settings, decision_maker, placeholder_points):
    settings.DEMO_MODE = True
    certificate = _grant(_audited(placeholder_points), decision_maker)
    text = _pdf_text(certificate)
    assert "样本 / SPECIMEN" in text and "No certification value" in text
    assert certificate.number in text  # still the whole certificate underneath


def test_the_verification_page_names_the_body_and_signatory(client, decision_maker, real_points):
    certificate = _grant(_audited(real_points), decision_maker)
    response = client.get(reverse("certificates:verify", args=[certificate.verification_token]))
    html = response.content.decode()
    for expected in ("华信认证中心", "杭州市西湖区文三路 90 号", "赵敏", "技术负责人", "GB/T 27922-2026"):
        assert expected in html
    assert "specimen" not in html.lower()


def test_the_verification_page_in_english(client, decision_maker, real_points):
    certificate = _grant(_audited(real_points), decision_maker)
    url = reverse("certificates:verify", args=[certificate.verification_token])
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for expected in ("Huaxin Certification Centre", "90 Wensan Road, Hangzhou", "赵敏", "Technical Manager"):
        assert expected in html


def test_the_verification_page_says_a_specimen_has_no_certification_value(
    client, settings, decision_maker, placeholder_points
):
    settings.DEMO_MODE = True
    certificate = _grant(_audited(placeholder_points), decision_maker)
    url = reverse("certificates:verify", args=[certificate.verification_token])
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "This is a specimen, not a certificate." in html and "no certification value" in html
    assert "This certificate is valid" not in html


def test_the_holder_sees_that_a_specimen_may_not_be_used(client, settings, applicant, organization, decision_maker):
    settings.DEMO_MODE = True
    certificate = _grant(_audited(IndicatorSet.objects.get(is_active=True), organization=organization), decision_maker)
    client.force_login(applicant)
    html = client.get(reverse("certificates:detail", args=[certificate.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "This is a specimen, not a certificate." in html and "do not use it" in html


def test_the_holder_page_of_a_real_certificate_says_nothing_of_specimens(
    client, applicant, organization, decision_maker, real_points
):
    certificate = _grant(_audited(real_points, organization=organization), decision_maker)
    client.force_login(applicant)
    html = client.get(reverse("certificates:detail", args=[certificate.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "specimen" not in html.lower()
