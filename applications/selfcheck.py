"""The eligibility self-check (domain.md §2.6): a few yes/no questions and an honest outcome.

It never blocks applying; the answers are kept on the application (Application.self_check) for the reviewer.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

YES, NO, UNSURE = "yes", "no", "unsure"
ANSWER_CHOICES = [(YES, _("Yes")), (NO, _("No")), (UNSURE, _("Not sure"))]


@dataclass(frozen=True)
class Question:
    key: str
    text: "StrOrPromise"
    help: "StrOrPromise"
    gap: "StrOrPromise"  # what is missing when the answer is not "yes"


QUESTIONS = [
    Question(
        "legal_entity",
        _("Is your organization an independent legal entity?"),
        _("For example a company with its own business licence (营业执照), not a branch without legal personality."),
        _("The applicant must be an independent legal entity; a branch applies through its head office."),
    ),
    Question(
        "lawful_operation",
        _("Does it operate lawfully in the People's Republic of China?"),
        _("A valid registration, and the licences your business needs (for example a medical-device licence)."),
        _("Lawful operation in the PRC must be shown with a valid registration and any licences the law requires."),
    ),
    Question(
        "written_rules",
        _("Do you have written after-sales service rules?"),
        _("Documented procedures for delivery, installation, repair, returns, complaints and so on."),
        _("Write down your after-sales service rules and procedures."),
    ),
    Question(
        "dedicated_staff",
        _("Do you have staff dedicated to after-sales service?"),
        _("A department or named people responsible for after-sales work."),
        _("Appoint staff (or a department) responsible for after-sales service."),
    ),
    Question(
        "funding",
        _("Is there a budget or fund for after-sales service?"),
        _("Money set aside for service work, including reserves for unexpected problems."),
        _("Set aside funding for after-sales service."),
    ),
    Question(
        "no_major_incidents",
        # Worded so that "yes" is the good answer, as for every question (outcome() reads it so), without a
        # double negative ("has it not had…").
        _("Has your quality and after-sales record been clean over the last year?"),
        _("Clean means no product recalls, serious safety accidents or mass complaints."),
        _("A recent major quality or after-sales incident usually leads to refusal; explain it in your application."),
    ),
    Question(
        "trained_managers",
        _("Do you have trained after-sales service managers (售后服务管理师)?"),
        _("The standard expects about one trained manager for every ten service-management staff."),
        _("Have after-sales service managers (售后服务管理师) trained; the audit checks their certificates."),
    ),
    Question(
        "system_running",
        _("Has your after-sales service system been running for at least three months?"),
        _("The audit looks at records (service, complaints, training) from the last months."),
        _("Run your after-sales service system for at least three months before the audit, keeping records."),
    ),
]
QUESTIONS_BY_KEY = {q.key: q for q in QUESTIONS}


@dataclass(frozen=True)
class Outcome:
    answered: bool
    eligible: bool
    gaps: list  # Promise strings, one per question not answered "yes"


def outcome(self_check: dict) -> Outcome:
    """Eligible when every question is answered "yes"; otherwise what is missing, question by question."""
    answers = (self_check or {}).get("answers", {})
    if not answers:
        return Outcome(answered=False, eligible=False, gaps=[])
    gaps = [q.gap for q in QUESTIONS if answers.get(q.key) != YES]
    return Outcome(answered=True, eligible=not gaps, gaps=gaps)


def record(answers: dict, *, by) -> dict:
    """The JSON kept on the application: the answers with who gave them and when."""
    return {
        "answers": {q.key: answers[q.key] for q in QUESTIONS if q.key in answers},
        "answered_by": by.pk,
        "answered_at": timezone.now().isoformat(),
    }


def answered_questions(self_check: dict) -> list[tuple[Question, str | Promise]]:
    """(question, answer label) pairs for display, in question order."""
    answers = (self_check or {}).get("answers", {})
    labels = dict(ANSWER_CHOICES)
    return [(q, labels.get(answers.get(q.key), "—")) for q in QUESTIONS]
