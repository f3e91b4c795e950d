"""Every declared transition × every persona, through the real admin or portal endpoint.

The expected actors are written out below from design.md §3.1, independently of the WORKFLOW tables; the first
test fails when a table declares a transition this matrix has no entry for (or the other way round). Each case
builds the object in a state the transition starts from, has the persona POST a valid body to the page that
performs it (or, for the system, calls the model method with by=None), and asserts the database afterwards:
changed for the allowed personas, unchanged for everyone else. System-only moves (the daily sweep's) have no page:
for people they are called on the model, which must refuse them.
"""

import contextlib
import datetime
from dataclasses import dataclass, field

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from applications.einvoice import check_invoice_file
from applications.models import (
    AccessRequest,
    Application,
    InvoiceRequest,
    MaterialFile,
    MaterialItem,
    Payment,
    ServiceCategory,
)
from audits.models import Audit, AuditorProfile, Nonconformity
from certificates.models import CaseFile, Certificate, SurveillanceReview
from certportal.workflow import TransitionError
from tests.applications import samples
from tests.factories import UserFactory
from tests.workflow.scene import PERSONAS, Scene

pytestmark = pytest.mark.django_db
A, M, P, AU, NC, C, R = (
    Application.Status,
    MaterialItem.Status,
    Payment.Status,
    Audit.Status,
    Nonconformity.Status,
    Certificate.Status,
    SurveillanceReview.Status,
)
APPLICANTS = {"owner", "member"}
REVIEWERS = {"reviewer", "administrator"}  # administrators may do "everything" (design.md §3) but never decide
TEAM = {"auditor_on_team", "decider_on_team"}  # both hold the auditor role and sit on the audit's team
MODELS = [
    AccessRequest,
    Application,
    CaseFile,
    MaterialItem,
    Payment,
    InvoiceRequest,
    Audit,
    Nonconformity,
    Certificate,
    SurveillanceReview,
]


@dataclass
class Case:
    setup: object  # scene -> the object to act on
    act: object  # (client, scene, obj) -> None: the persona's request
    happened: object  # (obj) -> bool, read from the database
    allowed: set = field(default_factory=set)
    system: object = None  # (obj) -> None: the system's call, when the system may perform it
    subject: object = None  # (obj, scene) -> the object whose table holds the transition (default: obj)


def post(url, data=None, **extra):
    return lambda client, scene, obj: client.post(url(obj, scene), data or {}, **extra)


def model_call(method, **kwargs):
    """For moves with no page (the sweep's): a person calling the model method must be refused."""

    def act(client, scene, obj):
        with contextlib.suppress(TransitionError):
            getattr(obj, method)(by=client.persona, **kwargs)

    return act


def refreshed(obj):
    obj.refresh_from_db()
    return obj


def status_is(status):
    return lambda obj: refreshed(obj).status == status


def app_reached(status):
    return lambda obj: refreshed(obj).status_changes.filter(to_status=status).exists()


def admin_app(name):
    return post(
        lambda app, s: reverse("admin:applications_application_transition", args=[app.pk, name]),
        {"reason": "理由", "expected_status": "submitted"},
    )


def payment_of(app):
    return app.payments.get()


def material_item(app):
    return app.material_items.order_by("pk").first()


def cert_act(name, **data):
    return post(
        lambda c, s: reverse("admin:certificates_certificate_act", args=[c.pk, name]), {"reason": "理由", **data}
    )


def decide(outcome, **data):
    return post(
        lambda app, s: reverse("admin:certificates_casefile_decide", args=[app.pk]),
        {"outcome": outcome, "grade": "four_star", "reason": "理由", **data},
    )


def plan_audit_body(scene):
    start = timezone.localdate() + datetime.timedelta(days=20)
    return {"lead": scene.auditor_on_team.pk, "start": start, "end": start, "onsite_man_days": "2"}


def with_open_nc(scene):
    audit = scene.audit(AU.IN_PROGRESS)
    Nonconformity.objects.create(audit=audit, description="无记录", due_date=datetime.date(2027, 3, 1))
    return audit


def awaiting_verification(scene):
    app = scene.application(A.CORRECTIVE_ACTION, grade="four_star")
    audit = scene.audit(AU.SUBMITTED, application=app)
    nc = scene.nonconformity(NC.RESPONDED, audit=audit)
    nc.app = app
    return nc


def renewal_awaiting_decision(scene):
    old = scene.certificate()
    app = scene.application(
        A.AWAITING_DECISION, kind=Application.Kind.RECERTIFICATION, renews=old.application, grade="four_star"
    )
    scene.audit(AU.SUBMITTED, application=app, kind=Audit.Kind.RECERTIFICATION)
    old.renewal = app
    return old


def surveillance_ready(scene):
    return scene.review(R.SCHEDULED, audit_status=AU.SUBMITTED)


def renewable_certificate(scene):
    """A certificate inside its re-certification window whose application has an accepted file to carry over."""
    certificate = scene.certificate(expires_on=timezone.localdate() + datetime.timedelta(days=150))
    item = material_item(certificate.application)
    MaterialFile.objects.create(
        item=item,
        version=1,
        file=ContentFile(samples.pdf(), name="licence.pdf"),
        original_name="licence.pdf",
        content_type="application/pdf",
        size=100,
        sha256="0" * 64,
        uploaded_by=scene.owner,
    )
    return certificate


def pdf_upload(name="licence.pdf"):
    return SimpleUploadedFile(name, samples.pdf(), content_type="application/pdf")


def invoice_request(status=InvoiceRequest.Status.REQUESTED):
    def setup(scene):
        payment = scene.payment()
        invoice = InvoiceRequest.ask(
            payment, by=scene.owner, title="某某公司", taxpayer_id=scene.organization.credit_code, email="a@b.cn"
        )
        if status == InvoiceRequest.Status.ISSUED:
            checked = check_invoice_file(pdf_upload("fapiao.pdf"))
            invoice.issue(checked, by=scene.reviewer, number="12345678", issued_on=timezone.localdate())
        return invoice

    return setup


def invoice_body():
    return {"file": pdf_upload("fapiao.pdf"), "number": "26352000000012345678", "issued_on": timezone.localdate()}


def access_request(scene):
    newcomer = UserFactory(role="applicant")
    return AccessRequest.ask(user=newcomer, credit_code=scene.organization.credit_code)


CASES = {
    # --- AccessRequest (the owner lets a colleague in) ---
    "AccessRequest.approve": Case(
        access_request,
        post(lambda r, s: reverse("applications:answer_access_request", args=[r.pk, "approve"])),
        status_is(AccessRequest.Status.APPROVED),
        {"owner"},
    ),
    "AccessRequest.decline": Case(
        access_request,
        post(lambda r, s: reverse("applications:answer_access_request", args=[r.pk, "decline"])),
        status_is(AccessRequest.Status.DECLINED),
        {"owner"},
    ),
    # --- Application ---
    "Application.submit": Case(
        lambda s: s.application(A.DRAFT, materials=M.UPLOADED),
        post(lambda app, s: reverse("applications:submit", args=[app.pk]), {"confirm": "on"}),
        status_is(A.SUBMITTED),
        APPLICANTS,
    ),
    "Application.withdraw": Case(
        lambda s: s.application(A.SUBMITTED),
        post(lambda app, s: reverse("applications:withdraw", args=[app.pk]), {"reason": "暂不申请", "confirm": "on"}),
        status_is(A.WITHDRAWN),
        APPLICANTS,
    ),
    "Application.accept": Case(
        lambda s: s.application(A.SUBMITTED), admin_app("accept"), status_is(A.ACCEPTED), REVIEWERS
    ),
    "Application.return": Case(
        lambda s: s.application(A.SUBMITTED), admin_app("return"), status_is(A.RETURNED), REVIEWERS
    ),
    "Application.refuse": Case(
        lambda s: s.application(A.SUBMITTED), admin_app("refuse"), status_is(A.REFUSED), REVIEWERS
    ),
    "Application.mark_paid": Case(
        lambda s: s.accepted(),
        post(
            lambda app, s: reverse(
                "admin:applications_application_payment", args=[app.pk, payment_of(app).pk, "confirm"]
            ),
            {"expected_status": "pending"},
        ),
        status_is(A.PAID),
        REVIEWERS,
        system=lambda app: payment_of(app).confirm(by=None),
    ),
    "Application.plan_audit": Case(
        lambda s: s.paid(),
        lambda client, s, app: client.post(reverse("admin:audits_audit_plan", args=[app.pk]), plan_audit_body(s)),
        status_is(A.AUDIT_PLANNED),
        REVIEWERS,
    ),
    "Application.report_audit": Case(
        lambda s: s.audit(AU.IN_PROGRESS),
        post(lambda audit, s: reverse("audits:submit", args=[audit.pk])),
        lambda audit: app_reached(A.AUDIT_REPORTED)(audit.application),
        {"auditor_on_team"},
        subject=lambda audit, s: audit.application,
    ),
    "Application.require_corrective_action": Case(
        with_open_nc,
        post(lambda audit, s: reverse("audits:submit", args=[audit.pk])),
        lambda audit: app_reached(A.CORRECTIVE_ACTION)(audit.application),
        {"auditor_on_team"},
        subject=lambda audit, s: refreshed(audit.application),
    ),
    "Application.await_decision": Case(
        awaiting_verification,
        post(lambda nc, s: reverse("audits:verify", args=[nc.pk])),
        lambda nc: status_is(A.AWAITING_DECISION)(nc.app),
        TEAM,
        subject=lambda nc, s: nc.app,
    ),
    # --- CaseFile (the decision) ---
    "CaseFile.grant": Case(
        lambda s: s.awaiting_decision(),
        decide("grant"),
        status_is(A.CERTIFIED),
        {"decider"},
        subject=lambda app, s: CaseFile.objects.get(pk=app.pk),
    ),
    "CaseFile.refuse": Case(
        lambda s: s.awaiting_decision(),
        decide("refuse"),
        status_is(A.REFUSED),
        {"decider"},
        subject=lambda app, s: CaseFile.objects.get(pk=app.pk),
    ),
    # --- MaterialItem ---
    "MaterialItem.upload": Case(
        lambda s: material_item(s.application(A.DRAFT, materials=M.MISSING)),
        lambda client, s, item: client.post(
            reverse("applications:upload_material", args=[item.pk]), {"files": [pdf_upload()]}
        ),
        status_is(M.UPLOADED),
        APPLICANTS,
    ),
    "MaterialItem.carry_over": Case(
        renewable_certificate,
        post(lambda c, s: reverse("certificates:recertify", args=[c.pk])),
        lambda c: MaterialItem.objects.filter(application__renews=c.application, to_reconfirm=True).exists(),
        {"owner"},
        subject=lambda c, s: material_item(s.application(A.DRAFT, materials=M.MISSING)),
    ),
    "MaterialItem.accept": Case(
        lambda s: material_item(s.application(A.SUBMITTED, materials=M.UPLOADED)),
        post(
            lambda item, s: reverse(
                "admin:applications_application_material", args=[item.application_id, item.pk, "accept"]
            ),
            {"expected_status": "uploaded"},
        ),
        status_is(M.ACCEPTED),
        REVIEWERS,
    ),
    "MaterialItem.reject": Case(
        lambda s: material_item(s.application(A.SUBMITTED, materials=M.UPLOADED)),
        post(
            lambda item, s: reverse(
                "admin:applications_application_material", args=[item.application_id, item.pk, "reject"]
            ),
            {"reason": "不清晰"},
        ),
        status_is(M.REJECTED),
        REVIEWERS,
    ),
    # --- Payment ---
    "Payment.upload_receipt": Case(
        lambda s: s.payment(),
        lambda client, s, p: client.post(
            reverse("applications:upload_receipt", args=[p.pk]), {"receipt": pdf_upload("receipt.pdf")}
        ),
        status_is(P.RECEIPT_UPLOADED),
        APPLICANTS,
    ),
    "Payment.confirm": Case(
        lambda s: s.payment(P.RECEIPT_UPLOADED),
        post(lambda p, s: reverse("admin:applications_application_payment", args=[p.application_id, p.pk, "confirm"])),
        status_is(P.CONFIRMED),
        REVIEWERS,
        system=lambda p: p.confirm(by=None),
    ),
    "Payment.reject": Case(
        lambda s: s.payment(P.RECEIPT_UPLOADED),
        post(
            lambda p, s: reverse("admin:applications_application_payment", args=[p.application_id, p.pk, "reject"]),
            {"reason": "金额不符"},
        ),
        status_is(P.REJECTED),
        REVIEWERS,
    ),
    "Payment.refund": Case(
        lambda s: payment_of(s.paid()),
        post(
            lambda p, s: reverse("admin:applications_application_payment", args=[p.application_id, p.pk, "refund"]),
            {"reason": "撤回申请"},
        ),
        status_is(P.REFUNDED),
        REVIEWERS,
    ),
    # --- InvoiceRequest (发票) ---
    "InvoiceRequest.replace": Case(
        invoice_request(),
        post(
            lambda i, s: reverse("applications:request_invoice", args=[i.payment_id]),
            {"kind": "ordinary", "title": "某某公司", "taxpayer_id": "91350100M000100Y43", "email": "c@d.cn"},
        ),
        status_is(InvoiceRequest.Status.REPLACED),
        APPLICANTS,
    ),
    "InvoiceRequest.issue": Case(
        invoice_request(),
        lambda client, s, i: client.post(
            reverse("admin:applications_invoicerequest_issue", args=[i.pk]), invoice_body()
        ),
        status_is(InvoiceRequest.Status.ISSUED),
        REVIEWERS,
    ),
    "InvoiceRequest.void": Case(
        invoice_request(InvoiceRequest.Status.ISSUED),
        post(lambda i, s: reverse("admin:applications_invoicerequest_void", args=[i.pk]), {"reason": "抬头有误"}),
        status_is(InvoiceRequest.Status.VOIDED),
        REVIEWERS,
    ),
    # --- Audit ---
    "Audit.start": Case(
        lambda s: s.audit(AU.PLANNED),
        post(lambda a, s: reverse("audits:start", args=[a.pk])),
        status_is(AU.IN_PROGRESS),
        TEAM,
    ),
    "Audit.submit": Case(
        lambda s: s.audit(AU.IN_PROGRESS),
        post(lambda a, s: reverse("audits:submit", args=[a.pk])),
        status_is(AU.SUBMITTED),
        {"auditor_on_team"},
    ),
    "Audit.reopen": Case(
        lambda s: s.audit(AU.SUBMITTED),
        post(lambda a, s: reverse("admin:audits_audit_reopen", args=[a.pk]), {"reason": "分数有误"}),
        status_is(AU.IN_PROGRESS),
        REVIEWERS,
    ),
    "Audit.close": Case(
        lambda s: s.awaiting_decision().audits.get(),
        post(
            lambda a, s: reverse("admin:certificates_casefile_decide", args=[a.application_id]),
            {"outcome": "grant", "grade": "four_star"},
        ),
        status_is(AU.CLOSED),
        {"decider"},
        system=lambda a: a.close(by=None),
    ),
    # --- Nonconformity ---
    "Nonconformity.respond": Case(
        lambda s: s.nonconformity(NC.OPEN),
        post(lambda nc, s: reverse("audits:respond", args=[nc.pk]), {"response": "已补充投诉记录"}),
        status_is(NC.RESPONDED),
        APPLICANTS,
    ),
    "Nonconformity.verify": Case(
        lambda s: s.nonconformity(NC.RESPONDED),
        post(lambda nc, s: reverse("audits:verify", args=[nc.pk])),
        status_is(NC.VERIFIED),
        TEAM,
    ),
    "Nonconformity.reopen": Case(
        lambda s: s.nonconformity(NC.RESPONDED),
        post(lambda nc, s: reverse("audits:reopen", args=[nc.pk]), {"reason": "证据不足"}),
        status_is(NC.REOPENED),
        TEAM,
    ),
    # --- Certificate ---
    "Certificate.suspend": Case(
        lambda s: s.certificate(),
        cert_act("suspend"),
        status_is(C.SUSPENDED),
        {"decider"},
        system=lambda c: c.suspend(by=None, reason="逾期"),
    ),
    "Certificate.restore": Case(
        lambda s: s.certificate(C.SUSPENDED), cert_act("restore"), status_is(C.ACTIVE), {"decider"}
    ),
    "Certificate.withdraw": Case(
        lambda s: s.certificate(),
        cert_act("withdraw"),
        status_is(C.WITHDRAWN),
        {"decider"},
        system=lambda c: c.withdraw(by=None, reason="暂停超期"),
    ),
    "Certificate.cancel": Case(lambda s: s.certificate(), cert_act("cancel"), status_is(C.CANCELLED), {"decider"}),
    "Certificate.change_grade": Case(
        lambda s: s.certificate(),
        cert_act("change_grade", grade="three_star"),
        lambda c: refreshed(c).grade == "three_star",
        {"decider"},
    ),
    "Certificate.expire": Case(
        lambda s: s.certificate(), model_call("expire"), status_is(C.EXPIRED), set(), system=lambda c: c.expire(by=None)
    ),
    "Certificate.supersede": Case(
        renewal_awaiting_decision,
        post(
            lambda old, s: reverse("admin:certificates_casefile_decide", args=[old.renewal.pk]),
            {"outcome": "grant", "grade": "four_star"},
        ),
        status_is(C.SUPERSEDED),
        {"decider"},
        system=lambda c: c.supersede(by=None, reason="由新证书替代"),
    ),
    "Certificate.choose_delivery": Case(
        lambda s: s.certificate(),
        post(lambda c, s: reverse("certificates:delivery", args=[c.pk]), {"method": "pickup"}),
        lambda c: refreshed(c).delivery_method == "pickup",
        {"owner"},
    ),
    "Certificate.request_recertification": Case(
        renewable_certificate,
        post(lambda c, s: reverse("certificates:recertify", args=[c.pk])),
        lambda c: Application.objects.filter(renews=c.application).exists(),
        {"owner"},
    ),
    "Certificate.mark_posted": Case(
        lambda s: s.certificate(
            delivery_method="post", delivery_address="北京", delivery_recipient="李四", delivery_phone="13800000000"
        ),
        cert_act("mark_posted", tracking_number="SF123"),
        lambda c: refreshed(c).posted_at is not None,
        REVIEWERS,
    ),
    # --- SurveillanceReview ---
    "SurveillanceReview.notify": Case(
        lambda s: s.review(R.PLANNED),
        model_call("notify"),
        status_is(R.NOTIFIED),
        set(),
        system=lambda r: r.notify(by=None),
    ),
    "SurveillanceReview.mark_overdue": Case(
        lambda s: s.review(R.NOTIFIED),
        model_call("mark_overdue"),
        status_is(R.OVERDUE),
        set(),
        system=lambda r: r.mark_overdue(by=None),
    ),
    "SurveillanceReview.schedule": Case(
        lambda s: s.review(R.NOTIFIED),
        lambda client, s, r: client.post(
            reverse("admin:certificates_surveillancereview_plan", args=[r.pk]), plan_audit_body(s)
        ),
        status_is(R.SCHEDULED),
        REVIEWERS,
    ),
    "SurveillanceReview.complete": Case(
        surveillance_ready,
        post(
            lambda r, s: reverse("admin:certificates_surveillancereview_outcome", args=[r.pk]),
            {"outcome": "maintained", "reason": "持续符合"},
        ),
        status_is(R.COMPLETED),
        {"decider"},
    ),
}


def declared():
    return {f"{model.__name__}.{t.name}" for model in MODELS for t in model.WORKFLOW}


def test_every_declared_transition_has_an_entry_and_every_entry_a_transition():
    assert declared() == set(CASES)


def test_the_tables_name_the_actors_of_the_matrix():
    """The tables agree with design.md §3.1 as written here (who may act, the system included)."""
    for name, case in CASES.items():
        model_name, transition_name = name.split(".")
        transition = next(m for m in MODELS if m.__name__ == model_name).WORKFLOW[transition_name]
        assert ("system" in {a.key for a in transition.actors}) == (case.system is not None), name


@pytest.fixture
def scene(db):
    scene = Scene()
    categories = list(ServiceCategory.objects.all()[:1])
    for auditor in (scene.auditor_on_team, scene.auditor_off_team):
        AuditorProfile.objects.get(user=auditor).competences.set(categories)
    return scene


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_matrix(name, persona, scene, client):
    case = CASES[name]
    obj = case.setup(scene)
    user = scene.persona(persona)
    if persona == "system":
        if case.system is not None:
            case.system(obj)
        else:  # the system performs only what its table entry says: a person's move refuses by=None
            subject = case.subject(obj, scene) if case.subject else obj
            with pytest.raises(TransitionError):
                subject.perform(name.split(".")[1], by=None, reason="system")
    else:
        client.force_login(user)
        client.persona = user
        case.act(client, scene, obj)
    allowed = case.allowed | ({"system"} if case.system is not None else set())
    assert case.happened(obj) == (persona in allowed), f"{name} by {persona}"
