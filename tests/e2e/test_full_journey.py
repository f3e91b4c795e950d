"""The whole certification, in one browser session per person: an enterprise signs up and applies,
a reviewer has one material replaced, accepts, confirms the fee and plans the audit, the auditor scores on a phone
with a photo and a nonconformity, the enterprise answers it, the auditor verifies, a decision-maker grants, the
certificate PDF's QR address verifies publicly, and a missed surveillance (time moved on the server) suspends it.
Key steps are saved as test-artifacts/full-journey-*.png; on failure every person's page is saved too."""

import datetime
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from applications.models import Application, MaterialItem, Payment, ServiceCategory
from audits.models import Audit, IndicatorSet, Nonconformity
from certificates import surveillance
from certificates.models import Certificate
from certificates.pdf import verification_url
from tests.applications import samples
from tests.e2e import flows
from tests.factories import AuditorProfileFactory
from tests.security.conftest import PASSWORD, staff_user, with_totp
from tests.staff.conftest import material_url, payment_url, transition_url

S = Application.Status
APPLICANT_EMAIL, APPLICANT_PASSWORD = "wang@huaxing.example.com", "a-Long-unusual-passphrase-42"
RETURN_REASON = "营业执照复印件不清晰，请重新扫描上传"
FINDING = "抽查 3 份维修记录，1 份缺少顾客签字确认"
CORRECTION = "维修单增加顾客签字栏；已培训全部服务人员，每周由服务主管抽查。"


@dataclass
class Journey:
    base: str
    artifacts: Path
    tmp: Path
    errors: list = field(default_factory=list)
    shots: int = 0

    def shot(self, page, name: str, *, full_page: bool = True) -> None:
        self.shots += 1
        page.screenshot(path=self.artifacts / f"full-journey-{self.shots:02d}-{name}.png", full_page=full_page)

    def file(self, name: str, content: bytes) -> Path:
        path = self.tmp / name
        path.write_bytes(content)
        return path


def person(journey, new_context, name: str, **options):
    """One person's browser (its own cookies); JavaScript errors on any of its pages fail the test at the end."""
    page = new_context(name, **options).new_page()
    page.on("pageerror", lambda error: journey.errors.append(f"{name}: {error}"))
    return page


def admin_page(base: str, application: Application) -> str:
    return f"{base}/admin/applications/application/{application.pk}/change/"


def expect_status(page, status: str) -> None:
    expect(page.locator(f".cp-summary .cp-status-{status}")).to_be_visible()


# --- the steps -------------------------------------------------------------------------------------------------


def enterprise_applies(journey, applicant) -> Application:
    def shot(name):  # of the shared flow's screenshots, two are enough here
        if name in {"signup", "materials"}:
            journey.shot(applicant, f"applicant-{name}")

    pdf = journey.file("material.pdf", samples.pdf())
    flows.newcomer_applies(
        applicant, journey.base, email=APPLICANT_EMAIL, password=APPLICANT_PASSWORD, pdf=pdf, shot=shot
    )
    expect(applicant.locator("ol.timeline > li")).to_have_count(2)  # started, submitted
    journey.shot(applicant, "applicant-submitted")
    return Application.objects.get(status=S.SUBMITTED)


def reviewer_returns_one_material(journey, reviewer, application, licence) -> None:
    reviewer.goto(admin_page(journey.base, application))
    expect_status(reviewer, S.SUBMITTED)
    flows.press_with_reason(reviewer, material_url(application, licence, "reject"), RETURN_REASON)
    expect(reviewer.locator(f"#material-{licence.pk} .cp-status-rejected")).to_be_visible()
    for item in application.material_items.filter(status=MaterialItem.Status.UPLOADED):
        flows.press(reviewer, material_url(application, item, "accept"))
        expect(reviewer.locator(f"#material-{item.pk} .cp-status-accepted")).to_be_visible()
    flows.press_with_reason(reviewer, transition_url(application, "return"), "请按审核意见重新上传营业执照")
    expect_status(reviewer, S.RETURNED)
    journey.shot(reviewer, "reviewer-returned")


def enterprise_replaces_it(journey, applicant, licence) -> None:
    applicant.reload()
    expect(applicant.locator(".next-step")).to_contain_text(RETURN_REASON)
    applicant.locator(f".next-step a[href$='#item-{licence.pk}']").click()
    row = applicant.locator(f"#item-{licence.pk}")
    expect(row.locator(".alert-danger")).to_contain_text(RETURN_REASON)
    flows.upload_file(applicant, row.locator("form[data-upload]"), journey.file("营业执照-重新扫描.pdf", samples.pdf()))
    expect(applicant.locator(f"#item-{licence.pk} .file-list li")).to_have_count(2)  # v1 is kept
    journey.shot(applicant, "applicant-replaced")
    flows.review_and_submit(applicant)
    expect(applicant.locator("ol.timeline > li")).to_have_count(4)  # started, submitted, returned, submitted


def reviewer_accepts(journey, reviewer, application, licence) -> None:
    reviewer.reload()
    expect_status(reviewer, S.SUBMITTED)
    flows.press(reviewer, material_url(application, licence, "accept"))
    expect(reviewer.locator(f"#material-{licence.pk} .cp-status-accepted")).to_be_visible()
    expect(reviewer.locator("#cp-refused-accept")).to_have_count(0)
    flows.press(reviewer, transition_url(application, "accept"))  # accept and issue the quote
    expect_status(reviewer, S.ACCEPTED)


def enterprise_uploads_receipt(journey, applicant) -> None:
    applicant.reload()
    applicant.locator("main a[href$='/fee/']").first.click()
    applicant.locator("input[name=receipt]").set_input_files(journey.file("银行回单.pdf", samples.pdf()))
    applicant.locator("form[action$='/receipt/'] button[type=submit]").click()
    expect(applicant.locator("a[href$='/receipt/download/']")).to_be_visible()
    journey.shot(applicant, "applicant-receipt")


def reviewer_confirms_payment_and_plans(journey, reviewer, application, auditor) -> None:
    payment = application.payments.get()
    reviewer.reload()
    expect(reviewer.locator(".cp-payment-box .cp-status-receipt_uploaded")).to_be_visible()
    flows.press(reviewer, payment_url(application, payment, "confirm"))
    expect_status(reviewer, S.PAID)
    reviewer.locator(".cp-actions a[href*='/audits/audit/plan/']").click()
    expect(reviewer.locator(".cp-plan .cp-ok")).to_have_count(1)  # the one auditor is qualified, without conflict
    reviewer.select_option("#id_lead", str(auditor.pk))
    journey.shot(reviewer, "reviewer-plan")
    reviewer.locator(".cp-plan .submit-row input[type=submit]").click()
    expect_status(reviewer, S.AUDIT_PLANNED)
    expect(reviewer.locator(".cp-audit")).to_contain_text(str(auditor))
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.CONFIRMED


def auditor_scores_on_the_phone(journey, phone, auditor, secret) -> Audit:
    flows.portal_sign_in(phone, journey.base, auditor, secret, PASSWORD)
    flows.start_audit(phone, journey.base)
    audit = Audit.objects.get()
    sampled, repair = flows.card(phone, audit, "5.2.4")  # the finding: one repair record in three is unsigned
    for item in phone.locator(f"[data-item]:not([data-item='{repair.pk}'])").all():
        item.locator("[data-set-points]").last.click()  # "Full"
        expect(item).to_have_attribute("data-save-state", "saved")
    sampled.locator("input[name=sample_size]").fill("3")
    sampled.locator("input[name=nonconforming_samples]").fill("1")
    expect(sampled).to_have_attribute("data-save-state", "saved")
    expect(phone.locator("[data-progress-text]")).to_contain_text("18 / 18")
    sampled.locator("[data-photo-input]").set_input_files(flows.camera_photo(journey.tmp))
    expect(sampled.locator("[data-photos] img")).to_have_count(1)
    sampled.scroll_into_view_if_needed()
    journey.shot(phone, "auditor-phone-scored", full_page=False)  # the phone's screen, sticky header included
    flows.record_nonconformity(phone, repair, FINDING)
    assert phone.evaluate("document.documentElement.scrollWidth") <= flows.PHONE["width"]  # nothing overflows
    phone.locator("a[href$='/submit/']").click()
    expect(phone.locator("[data-result-score]")).to_be_visible()
    phone.locator("form button[type=submit].btn-gold").click()
    expect(phone.locator("a[href$='/report.pdf']")).to_have_count(1)
    journey.shot(phone, "auditor-phone-submitted")
    return audit


def enterprise_answers(journey, applicant, application) -> None:
    applicant.locator(f"a.nav-link[href$='/portal/applications/{application.pk}/']").click()  # the status tab
    applicant.locator("section[aria-labelledby=audit-results-title] a[href$='/result/']").click()
    applicant.locator("main a[href*='/audits/nonconformities/']").first.click()
    applicant.locator("textarea[name=response]").fill(CORRECTION)
    applicant.locator("input[name=files]").set_input_files(journey.file("整改记录.pdf", samples.pdf()))
    applicant.locator("form[action$='/respond/'] button[type=submit]").click()
    expect(applicant.locator("[data-nc-status].text-bg-info")).to_be_visible()  # corrective action submitted
    expect(applicant.locator("#rounds-title + ol")).to_contain_text(CORRECTION)
    journey.shot(applicant, "applicant-answered")


def auditor_verifies(journey, phone) -> None:
    phone.goto(journey.base + "/audits/")
    phone.locator(".audit-card a").first.click()  # a submitted audit opens on its result
    phone.locator("main a[href*='/audits/nonconformities/']").first.click()
    expect(phone.locator("#rounds-title + ol")).to_contain_text(CORRECTION)
    phone.locator("form[action$='/verify/'] button[type=submit]").click()
    expect(phone.locator("[data-nc-status].text-bg-success")).to_be_visible()
    journey.shot(phone, "auditor-phone-verified")


def decision_maker_grants(journey, decider, application) -> None:
    decider.goto(f"{journey.base}/admin/certificates/casefile/{application.pk}/change/")
    decider.locator("input[name=outcome][value=grant]").check()
    expect(decider.locator("select[name=grade]")).to_have_value(application.grade)  # the computed grade
    journey.shot(decider, "decision-maker-case-file")
    decider.locator(".case-decision input[type=submit]").click()
    expect(decider.locator(".case-decision a[href*='/certificates/certificate/']")).to_be_visible()


def enterprise_downloads_the_certificate(journey, applicant, certificate) -> bytes:
    applicant.goto(journey.base + "/certificates/")  # no portal page links here yet: the address is typed
    applicant.locator(f"main a[href$='/certificates/{certificate.pk}/']").click()
    journey.shot(applicant, "applicant-certificate")
    with applicant.expect_download() as download:
        applicant.locator("main a[href$='/pdf/']").click()
    pdf = Path(download.value.path()).read_bytes()
    (journey.artifacts / "full-journey-certificate.pdf").write_bytes(pdf)
    return pdf


def verification_url_in(pdf: bytes) -> str:
    """The address printed under the QR code (the QR code encodes the same string, see certificates/pdf.py)."""
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.search(r"https?://\S+?/verify/[\w-]+/", re.sub(r"\s+", "", text)).group(0)


def miss_the_first_surveillance(certificate) -> dict:
    """Move the server's clock past the first due date and the grace period, and run the daily sweep there."""
    review = certificate.surveillance_reviews.order_by("sequence").first()
    day = review.due_date + datetime.timedelta(days=settings.SURVEILLANCE_GRACE_DAYS + 1)
    with time_machine.travel(timezone.make_aware(datetime.datetime.combine(day, datetime.time(2))), tick=False):
        return surveillance.run(day)


# --- the journey -----------------------------------------------------------------------------------------------


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_from_sign_up_to_a_suspended_certificate(live_server, new_context, artifacts_dir, tmp_path, settings):
    settings.SITE_URL = live_server.url  # the address printed in the PDF and encoded in its QR code
    # The body has entered the real points of its scoring sheet: a grant never rests on placeholders.
    IndicatorSet.objects.filter(is_active=True).update(has_placeholder_points=False)
    journey = Journey(base=live_server.url, artifacts=artifacts_dir, tmp=tmp_path)
    # Staff and the auditor are set up by the certification body (with an authenticator app), not signed up.
    reviewer = staff_user("reviewer", username="li.reviewer")
    decider = staff_user("decision_maker", username="zhao.decider")
    auditor = staff_user("auditor", username="chen.auditor")
    AuditorProfileFactory(user=auditor, competences=list(ServiceCategory.objects.all()))  # qualified, no conflict
    totp = {user: with_totp(user) for user in (reviewer, decider, auditor)}

    applicant = person(journey, new_context, "applicant")
    application = enterprise_applies(journey, applicant)
    licence = application.material_items.get(material_type__code="business_licence")

    staff = person(journey, new_context, "reviewer")
    flows.admin_sign_in(staff, journey.base, reviewer, totp[reviewer], PASSWORD)
    reviewer_returns_one_material(journey, staff, application, licence)
    enterprise_replaces_it(journey, applicant, licence)
    reviewer_accepts(journey, staff, application, licence)
    enterprise_uploads_receipt(journey, applicant)
    reviewer_confirms_payment_and_plans(journey, staff, application, auditor)

    phone = person(journey, new_context, "auditor", **flows.PHONE_DEVICE)
    audit = auditor_scores_on_the_phone(journey, phone, auditor, totp[auditor])
    enterprise_answers(journey, applicant, application)
    auditor_verifies(journey, phone)
    application.refresh_from_db()
    assert application.status == S.AWAITING_DECISION

    decision = person(journey, new_context, "decision-maker")
    flows.admin_sign_in(decision, journey.base, decider, totp[decider], PASSWORD)
    decision_maker_grants(journey, decision, application)
    certificate = Certificate.objects.get(application=application)

    pdf = enterprise_downloads_the_certificate(journey, applicant, certificate)
    assert pdf.startswith(b"%PDF")
    url = verification_url_in(pdf)
    assert url == verification_url(certificate) and url.startswith(live_server.url)

    public = person(journey, new_context, "public", locale="en-US")  # someone who scans the QR code
    public.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    public.goto(url)
    expect(public.locator("h1")).to_contain_text(certificate.number)
    expect(public.locator(".alert-success")).to_contain_text("This certificate is valid")
    expect(public.locator("main")).to_contain_text("福州华星家电服务有限公司")
    journey.shot(public, "public-valid")

    assert miss_the_first_surveillance(certificate) == {
        "surveillance_fees": 1,  # the missed surveillance was still quoted (and its fee is unpaid)
        "annual_fees": 1,  # past the first anniversary: year 2's annual fee
        "fee_reminders": 1,  # year 1's annual fee, unpaid: overdue, told once
        "surveillance_reminders": 0,
        "overdue": 1,
        "suspended": 1,
        "withdrawn": 0,
        "expired": 0,
        "recertification_reminders": 0,
    }
    public.reload()
    expect(public.locator("h1 .badge")).to_have_text("Suspended")
    expect(public.locator(".alert-warning")).to_contain_text("This certificate is suspended")
    journey.shot(public, "public-suspended")
    applicant.reload()  # the holder's own page says it too
    expect(applicant.locator("h1 .badge.text-bg-warning")).to_be_visible()

    # The record: every step of the application by the right person, the audit and the certificate.
    changes = list(application.status_changes.values_list("to_status", "by__email"))
    enterprise, li, chen, zhao = APPLICANT_EMAIL, reviewer.email, auditor.email, decider.email
    assert changes == [
        (S.SUBMITTED, enterprise),
        (S.RETURNED, li),
        (S.SUBMITTED, enterprise),
        (S.ACCEPTED, li),
        (S.PAID, li),
        (S.AUDIT_PLANNED, li),
        (S.AUDIT_REPORTED, chen),
        (S.CORRECTIVE_ACTION, chen),
        (S.AWAITING_DECISION, chen),
        (S.CERTIFIED, zhao),
    ]
    audit.refresh_from_db()
    assert audit.status == Audit.Status.CLOSED and audit.photos.count() == 1  # the decision closed it
    assert Nonconformity.objects.get(audit=audit).status == Nonconformity.Status.VERIFIED
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.SUSPENDED
    assert journey.errors == []
