"""Two organizations, A and B, with everything a URL can point at, for the cross-organization matrix.

Each organization has an owner and a member; applications as a draft (with uploaded materials), accepted (with
a payment and its receipt), awaiting decision (with a reported audit: report PDF, a nonconformity answered with
evidence, a photo) and certified (certificate with its PDF); an audit in progress; an invitation, an access
request and a notification. Each organization's audits have their own lead auditor, so B's lead is "an auditor
not assigned" to A. A decision-maker sat on A's audit team. Objects are put straight into their states (setup
shortcuts, as tests/factories does); the transitions have their own tests.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.files.base import ContentFile

from applications.models import (
    AccessRequest,
    Application,
    Invitation,
    MaterialType,
    Membership,
    Notification,
)
from applications.payments import sandbox
from audits.models import Audit, AuditTeamMember, Nonconformity
from certificates import services as certificate_services
from tests.applications import samples
from tests.factories import (
    AuditFactory,
    AuditorProfileFactory,
    AuditPhotoFactory,
    AuditTeamMemberFactory,
    DecisionDossierFactory,
    EvidenceFileFactory,
    InvoiceFileFactory,
    MaterialFileFactory,
    MembershipFactory,
    NonconformityFactory,
    NotificationFactory,
    UserFactory,
    in_state,
    ready_for_decision,
)

S = Application.Status


@dataclass
class Org:
    organization: object
    owner: object
    member: object
    lead: object
    draft: object = None
    material_file: object = None
    accepted: object = None
    payment: object = None
    invoice: object = None  # an issued e-invoice of the payment
    deciding: object = None
    deciding_file: object = None
    dossier: object = None
    audit: object = None
    reported: object = None
    nonconformity: object = None
    evidence: object = None
    photo: object = None
    certified: object = None
    certificate: object = None
    invitation: object = None
    access_request: object = None
    notification: object = None
    markers: list = field(default_factory=list)  # strings that identify this organization on a page


@dataclass
class World:
    a: Org
    b: Org
    reviewer: object
    decider: object
    decider_on_team: object
    administrator: object
    loner: object  # signed up, in no organization
    template_type: object

    def persona(self, name: str):
        owner, _sep, org = name.rpartition("_")
        if org in ("a", "b") and owner:
            return getattr(getattr(self, org), owner)
        return getattr(self, name)


def build() -> World:
    reviewer = UserFactory(role="reviewer")
    decider = UserFactory(role="decision_maker")
    decider_on_team = UserFactory(role="decision_maker")
    administrator = UserFactory(role="administrator")
    TOTP.activate(administrator, generate_totp_secret())  # the MFA pages need someone who has it
    RecoveryCodes.activate(administrator)
    a = _organization("A", reviewer, decider, decider_on_team)
    b = _organization("B", reviewer, decider, None)
    template_type = MaterialType.objects.filter(is_active=True).first()
    template_type.template.save("template.pdf", ContentFile(samples.pdf()), save=True)
    return World(
        a=a,
        b=b,
        reviewer=reviewer,
        decider=decider,
        decider_on_team=decider_on_team,
        administrator=administrator,
        loner=UserFactory(role="applicant"),
        template_type=template_type,
    )


def _organization(label, reviewer, decider, decider_on_team) -> Org:
    owner = MembershipFactory().user
    organization = owner.membership.organization
    member = MembershipFactory(organization=organization, role=Membership.Role.MEMBER).user
    org = Org(organization=organization, owner=owner, member=member, lead=AuditorProfileFactory().user)
    _applications(org, reviewer, decider)
    _audits(org, decider_on_team)
    _people(org, label)
    org.markers = [organization.name, organization.credit_code, org.draft.reference, org.certificate.number]
    return org


def _applications(org, reviewer, decider):
    organization, owner = org.organization, org.owner
    org.draft = in_state(S.DRAFT, organization=organization, created_by=owner)
    item = org.draft.material_items.first()
    org.material_file = item.add_file(
        ContentFile(samples.pdf()),
        by=owner,
        original_name="licence.pdf",
        content_type="application/pdf",
        extension=".pdf",
    )
    org.accepted = in_state(S.SUBMITTED, organization=organization, created_by=owner)
    org.accepted.accept(by=reviewer)
    org.payment = org.accepted.payments.get()
    org.payment.upload_receipt(ContentFile(samples.pdf()), by=owner, original_name="receipt.pdf", extension=".pdf")
    org.invoice = InvoiceFileFactory(invoice__payment=org.payment, invoice__requested_by=owner).invoice
    org.deciding = in_state(S.AWAITING_DECISION, organization=organization, grade="four_star", score=Decimal("91.5"))
    org.deciding_file = MaterialFileFactory(item=org.deciding.material_items.first(), uploaded_by=owner)
    org.dossier = DecisionDossierFactory(application=org.deciding, requested_by=decider)
    certified = ready_for_decision(organization=organization, grade="four_star", score=Decimal("92"))
    org.certificate = certificate_services.grant_certification(application=certified, by=decider)
    org.certificate.pdf.save("certificate.pdf", ContentFile(samples.pdf()), save=True)
    org.certified = certified


def _audits(org, decider_on_team):
    org.reported = AuditFactory(application=org.deciding, status=Audit.Status.SUBMITTED, score=Decimal("91.5"))
    org.reported.report_pdf.save("report.pdf", ContentFile(samples.pdf()), save=True)
    AuditTeamMemberFactory(audit=org.reported, auditor=org.lead)
    if decider_on_team is not None:
        AuditTeamMemberFactory(audit=org.reported, auditor=decider_on_team, role=AuditTeamMember.Role.MEMBER)
    planned = in_state(S.AUDIT_PLANNED, organization=org.organization)
    org.audit = AuditFactory(application=planned, status=Audit.Status.IN_PROGRESS)
    AuditTeamMemberFactory(audit=org.audit, auditor=org.lead)
    org.nonconformity = NonconformityFactory(
        audit=org.reported, status=Nonconformity.Status.RESPONDED, raised_by=org.lead
    )
    org.evidence = EvidenceFileFactory(
        corrective_action__nonconformity=org.nonconformity, corrective_action__submitted_by=org.owner
    )
    org.photo = AuditPhotoFactory(audit=org.audit, uploaded_by=org.lead)


def _people(org, label):
    org.invitation = Invitation.send(organization=org.organization, email=f"new-{label}@example.com", by=org.owner)
    asker = UserFactory(role="applicant")
    org.access_request = AccessRequest.ask(user=asker, credit_code=org.organization.credit_code)
    org.notification = Notification.objects.filter(user=org.owner).first() or NotificationFactory(user=org.owner)


def sandbox_token(payment) -> str:
    return sandbox.SandboxProvider().start(payment, None).rstrip("/").rsplit("/", 1)[-1]
