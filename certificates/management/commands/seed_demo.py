"""Demo data for a living portal: one organization, one user per role, applications in several states.

Idempotent: users and the organization are looked up by their unique keys; applications are only created
when the demo organization has none yet. Run it as often as you like.

The demo accounts include an administrator, so the command refuses to run unless DEBUG is on (`make run`: the
fixed credentials below, documented in the README, on loopback) or it is told `--not-production` (`make run-prod`):
then every run gives the demo accounts a new random password and TOTP secret, printed here once.
`manage.py check --deploy` fails while demo accounts exist (certificates.E004).
"""

import datetime
import secrets
import unicodedata
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import mfa, roles
from accounts.models import User
from applications.models import Application, Membership, Organization, ServiceCategory
from audits import services as audit_services
from audits.models import AuditorProfile, ItemScore
from certificates import services as certificate_services

# With DEBUG on only (a local demo): the README publishes them. Otherwise each run draws random ones.
PASSWORD = "certportal-demo-2026"  # noqa: S105 - published demo credentials, DEBUG only
# Staff and auditors sign in with a second factor (accounts.mfa): every demo one gets this TOTP secret (base32).
TOTP_SECRET = "CERTPRTLDEMOTOTP"  # noqa: S105 - published demo credentials, DEBUG only
USERS = [
    # username, role, full name, e-mail, language
    ("demo-applicant", roles.APPLICANT, "王小明", "applicant@demo.certportal.localhost", "zh-hans"),
    ("demo-colleague", roles.APPLICANT, "李芳", "colleague@demo.certportal.localhost", "zh-hans"),
    ("demo-reviewer", roles.REVIEWER, "赵审核", "reviewer@demo.certportal.localhost", "zh-hans"),
    ("demo-auditor", roles.AUDITOR, "钱审查", "auditor@demo.certportal.localhost", "zh-hans"),
    ("demo-decider", roles.DECISION_MAKER, "孙决定", "decider@demo.certportal.localhost", "zh-hans"),
    ("demo-admin", roles.ADMINISTRATOR, "Admin", "admin@demo.certportal.localhost", "en"),
]
# The role column of the printed logins (the console output is English, like the README that repeats it).
ROLE_NOTES = {
    "demo-applicant": "applicant (owner)",
    "demo-colleague": "applicant (member)",
    "demo-reviewer": "reviewer",
    "demo-auditor": "auditor",
    "demo-decider": "decision-maker",
    "demo-admin": "administrator",
}
ORGANIZATION = {
    "credit_code": "91350100M000100Y43",
    "name": "福州华星家电服务有限公司",
    "address": "福建省福州市鼓楼区五四路 88 号",
    "legal_representative": "王大明",
    "contact_name": "王小明",
    "contact_phone": "0591-8888 6666",
    "contact_email": "applicant@demo.certportal.localhost",
    "employee_count": 8,
    "product_categories": "家用电器（空调、冰箱、洗衣机）的销售、安装与维修服务",
    "service_outlets": "鼓楼服务中心，福州市鼓楼区五四路 88 号\n仓山服务站，福州市仓山区浦上大道 21 号",
}
FORM = {
    "service_commitments": "全国联保三年；城区 24 小时上门；投诉 48 小时内答复。",
}


class Command(BaseCommand):
    help = "Create demo users, an organization and applications in several states (safe to run twice)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--not-production",
            action="store_true",
            help="Run with DEBUG off, on an installation that is not a production one (make run-prod): the demo "
            "accounts get a new random password and TOTP secret, printed once.",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["not_production"]:
            raise CommandError(
                _(
                    "seed_demo creates an administrator and other demo accounts, so it refuses to run with DEBUG off: "
                    "this may be a production installation. On one that is not (make run-prod does this), run "
                    "`manage.py seed_demo --not-production`: the demo accounts then get a random password and TOTP "
                    "secret, printed once."
                )
            )
        if settings.DEBUG:
            password, totp_secret, renew = PASSWORD, TOTP_SECRET, False
        else:
            password, totp_secret, renew = secrets.token_urlsafe(12), _random_totp_secret(), True
        with transaction.atomic():
            users = {
                username: self._user(username, role, name, email, lang, password=password, renew=renew)
                for username, role, name, email, lang in USERS
            }
            org, _created = Organization.objects.get_or_create(
                credit_code=ORGANIZATION["credit_code"], defaults=ORGANIZATION
            )
            for username, role in (
                ("demo-applicant", Membership.Role.OWNER),
                ("demo-colleague", Membership.Role.MEMBER),
            ):
                Membership.objects.get_or_create(user=users[username], defaults={"organization": org, "role": role})
            profile, _created = AuditorProfile.objects.get_or_create(
                user=users["demo-auditor"], defaults={"registration_number": "2026-ASS-0001"}
            )
            profile.competences.add(
                *ServiceCategory.objects.filter(code__in=["household_appliances", "consumer_electronics"])
            )
            if not org.applications.exists():
                self._applications(org, users)
            recovery_codes = {
                username: _sign_in_ready(user, totp_secret=totp_secret, renew=renew) for username, user in users.items()
            }
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Logins (password for all: {password}):"))
        self._print_logins(users, recovery_codes)
        self.stdout.write(
            f"Staff and auditors then type a TOTP code: add the secret {totp_secret} to an authenticator app "
            f"(or run `oathtool --totp -b {totp_secret}`); the code right now is {_current_code(totp_secret)}. "
            "Each recovery code above works once instead."
        )
        if renew:
            self.stdout.write(
                "These credentials were drawn at random for this run and are shown only here; the next run replaces "
                "them. `manage.py check --deploy` fails while demo accounts exist."
            )

    def _print_logins(self, users, recovery_codes):
        """One row per demo account, with the sign-in page that takes it and what to type there: the portal's
        sign-in takes e-mail addresses (applicants and auditors), the admin's takes user names (staff)."""
        rows = [("person", "role", "sign in at", "type", "login", "recovery code")]
        for username, *_rest in USERS:
            user = users[username]
            if user.is_staff:
                where, kind, login = settings.SITE_URL + reverse("admin:index"), "user name", user.username
            else:
                where, kind, login = settings.SITE_URL + reverse("account_login"), "e-mail", user.email
            rows.append((user.full_name, ROLE_NOTES[username], where, kind, login, recovery_codes[username]))
        widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
        for row in rows:
            cells = [cell + " " * (width - _width(cell)) for cell, width in zip(row, widths, strict=True)]
            self.stdout.write(("  " + "  ".join(cells)).rstrip())

    def _user(self, username, role, full_name, email, language, *, password, renew) -> User:
        user, created = User.objects.get_or_create(
            username=username, defaults={"email": email, "full_name": full_name, "language": language}
        )
        if created:
            user.is_staff = role in roles.STAFF_ROLES
            user.groups.add(Group.objects.get(name=role))
        if created or renew:
            user.set_password(password)
            user.save()
        return user

    def _applications(self, org, users):
        applicant, reviewer = users["demo-applicant"], users["demo-reviewer"]
        auditor, decider = users["demo-auditor"], users["demo-decider"]
        pdf = _demo_pdf()

        Application.start(organization=org, by=applicant)  # a draft

        def submitted():
            app = Application.start(organization=org, by=applicant)
            for field, value in FORM.items():
                setattr(app, field, value)
            app.save(update_fields=list(FORM))
            app.categories.set(ServiceCategory.objects.filter(code="household_appliances"))
            for item in app.material_items.select_related("material_type").filter(material_type__required=True):
                item.add_file(
                    ContentFile(pdf),
                    by=applicant,
                    original_name=f"{item.material_type.code}.pdf",
                    content_type="application/pdf",
                    extension=".pdf",
                )
            app.submit(by=applicant)
            return app

        submitted()

        returned = submitted()
        item = returned.material_items.get(material_type__code="business_licence")
        item.reject(by=reviewer, reason="营业执照复印件不清晰，请重新扫描上传。")
        returned.return_for_corrections(by=reviewer, reason="请按标注重新上传营业执照。")

        def accepted():
            app = submitted()
            for item in app.material_items.filter(status="uploaded"):
                item.accept(by=reviewer)
            app.accept(by=reviewer)
            return app

        accepted()

        def planned():
            app = accepted()
            app.payments.get().confirm(by=reviewer)
            start = timezone.localdate() + datetime.timedelta(days=14)
            return app, audit_services.plan_audit(
                application=app,
                by=reviewer,
                lead=auditor,
                start=start,
                end=start + datetime.timedelta(days=1),
                onsite_man_days=Decimal("2"),
            )

        _app, in_progress = planned()
        in_progress.start(by=auditor)  # the demo auditor can try the scoring form (/audits/) right away

        app, audit = planned()
        audit.start(by=auditor)
        leaves = audit.indicator_set.indicators.filter(children__isnull=True)
        ItemScore.objects.bulk_create(
            ItemScore(
                audit=audit, indicator=ind, updated_by=auditor, points=ind.max_points if i % 6 else ind.max_points - 1
            )
            for i, ind in enumerate(leaves)
        )
        audit_services.submit_audit_report(audit=audit, by=auditor)  # no nonconformities: awaiting decision
        if settings.DEMO_MODE or not audit.indicator_set.has_placeholder_points:
            certificate_services.grant_certification(application=app, by=decider)  # a specimen in demo mode
        else:
            self.stdout.write(
                "The demo indicator set has placeholder points and DEMO_MODE is off: the demo case stays awaiting "
                "the decision (a grant needs real points)."
            )


def _sign_in_ready(user: User, *, totp_secret: str, renew: bool) -> str:
    """A verified e-mail address (allauth's sign-in needs one) and, for staff and auditors, the demo TOTP
    authenticator with recovery codes (new ones when `renew`). Returns an unused recovery code ("" for applicants)."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP

    EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    if not mfa.required_for(user):
        return ""
    if renew:  # the previous run's secret and recovery codes stop working
        Authenticator.objects.filter(
            user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES]
        ).delete()
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, totp_secret)
    unused = RecoveryCodes.activate(user).get_unused_codes()
    return unused[0] if unused else ""


def _width(text: str) -> int:
    """Columns `text` takes on a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in ("W", "F") else 1 for char in text)


def _random_totp_secret() -> str:
    from allauth.mfa.totp.internal.auth import generate_totp_secret

    return generate_totp_secret()


def _current_code(totp_secret: str) -> str:
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

    return format_hotp_value(hotp_value(totp_secret, next(yield_hotp_counters_from_time())))


def _demo_pdf() -> bytes:
    from weasyprint import HTML

    return HTML(string="<html><body><h1>Demo material / 演示材料</h1></body></html>").write_pdf()
