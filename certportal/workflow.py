"""The one workflow layer: every status change of every workflow model goes through a declared transition.

Each workflow model (Application, CaseFile, MaterialItem, Payment, Audit, Nonconformity, Certificate,
SurveillanceReview) declares one table, `WORKFLOW = Workflow(Transition(...), ...)`. A transition names

- its from-states and its to-state (`target=None`: the status stays, e.g. a grade change, but the act is checked and
  recorded like any other),
- the actors who may perform it (`Actor`: a role, "a member of the applicant organization", "the team leader of this
  audit", `SYSTEM` for the daily sweep and payment callbacks),
- its guards: functions `guard(obj, user, **context) -> list[str]` returning the translated reasons it refuses, which
  are shown to the person as they are,
- its effects: functions `effect(obj, change)` that tell the people concerned and start background work.

`obj.perform(name, by=user, reason=…)` (`WorkflowMixin`) locks the row, checks state, actor and guards, applies the
transition's own field updates, records who/when/why/from/to (the model's django-simple-history record, plus its
`status_changes` log where it has one), then runs the effects. Effects run inside the same transaction but send
nothing before it commits: a notification row is the outbox (its e-mail is enqueued on commit) and Celery work is
enqueued with `transaction.on_commit`. So a refused or rolled-back transition tells nobody, and a committed one
cannot lose its message. The named model methods (`application.submit(by=…)`, `certificate.suspend(…)`) stay as
the readable entry points; each is one call to `perform`.

Pages ask the same table what to offer: `obj.available_transitions(user)` lists the moves this person may make
from the current state, and `obj.refusals(name, user)` gives the guards' reasons without changing anything, so no
button is shown for a move that would be refused and the reasons shown are the guards' own.

Why a small module of ours rather than django-fsm-2 or viewflow.fsm: both declare source/target/permission on
decorated methods, but their conditions answer yes or no (we must say *why*, in the person's language), neither
locks the row, and their permission hook sees no context (the grade chosen, the audit in question). We would wrap
each of their transitions in our own lock, reasons, history and effects, which is most of the code below; the
rest (a table and a lookup) is shorter than the adapter would be. django-fsm-2's `protected` field is replaced by
`ReadOnlyMixin` admins and `tests/workflow`'s check that only `perform` writes a status.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models, transaction
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

import trail

_Method = TypeVar("_Method", bound=Callable[..., Any])


def alters_data(method: _Method) -> _Method:
    """Mark a model method that changes data, so that templates never call it (Django's `alters_data`)."""
    method.__dict__["alters_data"] = True
    return method


class TransitionError(Exception):
    """A workflow action that cannot be done; the message is translated and safe to show to users."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidTransition(TransitionError):
    """The object is not in a state that allows this action."""

    def __init__(self, current_label: str, target_label: str):
        if current_label == target_label:  # a second click, or someone else was quicker
            message = _("This is already done: the status is “%(current)s”.") % {"current": current_label}
        else:
            message = _("Not possible while the status is “%(current)s” (cannot move to “%(target)s”).") % {
                "current": current_label,
                "target": target_label,
            }
        super().__init__(message)
        self.current = current_label
        self.target = target_label


class NotPermitted(TransitionError):
    """The person is not one of the transition's actors."""


class StaleState(TransitionError):
    """The page the person acted on showed another status than the current one."""


def choice_label(choices, value) -> str:
    """The translated label of one choice, or the raw value if it is not one.

    Django's generated get_FOO_display() builds a dict of all choices on every call, and hashing each lazy label
    translates it: a list of 20 applications paid about 700 translation lookups for its 40 badges. The enum
    lookup translates one label.
    """
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def list_separator() -> str:
    return pgettext("between the items of a list", ", ")


def sentences(items) -> str:
    """Join translated sentences: with spaces in English, without in Chinese (its full stops need none)."""
    from django.utils.translation import get_language

    return ("" if (get_language() or "").startswith("zh") else " ").join(str(i) for i in items)


def require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise TransitionError(_("Please give a reason."))
    return reason


def record_history(obj, *, by, reason: str = "") -> None:
    """Tell django-simple-history who made the next save of `obj`, and why."""
    obj._history_user = by
    obj._change_reason = reason or ""


# --- who may act ------------------------------------------------------------------------------------------------


def role_names(user) -> frozenset[str]:
    """The user's role groups, read once per user object (a superuser counts as administrator)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_workflow_roles", None)
    if cached is None:
        from accounts import roles

        cached = frozenset(user.groups.values_list("name", flat=True))
        if user.is_superuser:
            cached |= {roles.ADMINISTRATOR}
        user._workflow_roles = cached
    return cached


@dataclass(frozen=True)
class Actor:
    """Someone who may perform a transition: `test(user, obj)` says whether `user` is that someone for `obj`."""

    key: str
    label: Any
    test: Callable[[Any, Any], bool]

    def __call__(self, user, obj) -> bool:
        if user is None:
            return self.key == "system"
        return bool(self.test(user, obj))


SYSTEM = Actor("system", gettext_lazy("the system"), lambda user, obj: False)


def membership_of(user):
    try:
        return user.membership
    except ObjectDoesNotExist:  # the user belongs to no organization
        return None


def member_of(get_organization, *, owner: bool = False) -> Actor:
    """A member (or the owner) of the applicant organization that `get_organization(obj)` returns."""

    def test(user, obj) -> bool:
        membership = membership_of(user)
        if membership is None or user.is_staff or not user.is_active:
            return False
        if owner and membership.role != "owner":
            return False
        return membership.organization_id == get_organization(obj).pk

    if owner:
        return Actor("owner", gettext_lazy("the applicant organization's owner"), test)
    return Actor("applicant", gettext_lazy("the applicant organization's members"), test)


def role(name: str, *others: str) -> Actor:
    """Anyone holding the role `name` (or one of `others`, accounts.roles), whatever the object."""
    from accounts import roles

    names = {name, *others}
    label = lazy(lambda: list_separator().join(str(roles.LABELS[n]) for n in [name, *others]), str)()
    return Actor(name, label, lambda user, obj: bool(names & role_names(user)))


def reviewer() -> Actor:
    """The reviewers' moves; administrators may make them too ("everything", design.md §3) but never decide."""
    from accounts import roles

    return role(roles.REVIEWER, roles.ADMINISTRATOR)


# --- the table --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Transition:
    name: str
    sources: Iterable[str]
    target: str | None
    actors: tuple[Actor, ...]
    label: Any
    guards: tuple[Callable[..., list], ...] = ()
    effects: tuple[Callable[..., None], ...] = ()
    needs_reason: bool = False
    style: str = ""  # how a button for it looks in the admin: "default" (primary), "danger" or ""

    def __post_init__(self):
        object.__setattr__(self, "sources", frozenset(self.sources))

    def permits(self, user, obj) -> bool:
        return any(actor(user, obj) for actor in self.actors)

    def actor_labels(self) -> str:
        """The people who may perform it, for a refusal message (the system is not someone to ask)."""
        return list_separator().join(str(actor.label) for actor in self.actors if actor.key != "system")


class Workflow:
    """One model's transitions, by name."""

    def __init__(self, *transitions: Transition):
        self.transitions = {t.name: t for t in transitions}

    def __getitem__(self, name: str) -> Transition:
        return self.transitions[name]

    def __iter__(self):
        return iter(self.transitions.values())

    def __contains__(self, name: str) -> bool:
        return name in self.transitions

    def moves(self) -> set[tuple[str, str]]:
        """Every (from, to) pair the table allows, a status that stays included."""
        return {(source, t.target or source) for t in self for source in t.sources}

    def targets_from(self, status: str) -> set[str]:
        return {t.target or status for t in self if status in t.sources}


@dataclass
class Change:
    """What one performed transition did, handed to its effects."""

    transition: Transition
    source: str
    target: str
    by: Any
    reason: str
    at: Any = field(default_factory=timezone.now)
    context: dict = field(default_factory=dict)


class WorkflowMixin(models.Model):
    """`perform` and the questions pages ask, for a model with a `status` field and a `WORKFLOW` table."""

    # Each workflow model declares these: its table, its status field and that field's choices.
    WORKFLOW: Workflow
    status: str
    Status: type[models.TextChoices]

    class Meta:
        abstract = True

    def status_label(self, value: str) -> str:
        return choice_label(type(self).Status, value)

    def can_become(self, status: str) -> bool:
        return status in self.WORKFLOW.targets_from(self.status)

    def refusals(self, name: str, user, **context) -> list[str]:
        """Why `user` may not perform `name` now (empty when it may), checked without locking or changing."""
        transition = self.WORKFLOW[name]
        if self.status not in transition.sources:
            return [InvalidTransition(self.status_label(self.status), self._target_label(transition)).message]
        if not transition.permits(user, self):
            return [self._not_permitted(transition).message]
        return [problem for guard in transition.guards for problem in guard(self, user, **context)]

    def available_transitions(self, user, **context) -> list[Transition]:
        """The moves `user` may make from the current state (the buttons a page shows)."""
        return [t for t in self.WORKFLOW if self.status in t.sources and t.permits(user, self)]

    def may(self, name: str, user, **context) -> bool:
        """Whether `user` may perform `name` now, its guards included."""
        return not self.refusals(name, user, **context)

    def offers(self, name: str, user) -> bool:
        """Whether a page should offer `name` to `user`: the state allows it and the user is one of its actors (the
        guards' reasons, if any, are shown with the button)."""
        transition = self.WORKFLOW[name]
        return self.status in transition.sources and transition.permits(user, self)

    @alters_data
    def perform(
        self,
        name: str,
        *,
        by,
        reason: str = "",
        update: Callable[[], Iterable[str] | None] | None = None,
        expected: str = "",
        **context,
    ) -> Change:
        """Lock, check state, actor and guards, apply `update()` (it returns the extra fields it set), record, then
        run the effects. Raises TransitionError (translated, nothing changed) when the move is refused."""
        transition = self.WORKFLOW[name]
        with transaction.atomic():
            current = self._lock_status()
            if expected and expected != current:
                raise StaleState(
                    _(
                        "Someone changed this in the meantime: its status is now “%(status)s”. "
                        "Nothing was done; please look at the page again."
                    )
                    % {"status": self.status_label(current)}
                )
            if current not in transition.sources:
                raise InvalidTransition(self.status_label(current), self._target_label(transition))
            if not transition.permits(by, self):
                raise self._not_permitted(transition)
            if transition.needs_reason:
                reason = require_reason(reason)
            problems = [problem for guard in transition.guards for problem in guard(self, by, **context)]
            if problems:
                raise TransitionError(sentences(problems))
            fields = list(update() or []) if update else []
            target = transition.target or current
            change = Change(transition, current, target, by, (reason or "").strip(), context=context)
            self._record(change, fields)
            for effect in transition.effects:
                effect(self, change)
            return change

    # --- internals ---

    def _lock_status(self) -> str:
        # Re-read the status under a row lock so two people acting at once cannot both move it (PostgreSQL
        # FOR UPDATE; SQLite serialises writers with IMMEDIATE transactions).
        # (the concrete model's manager: the abstract base itself has no status field to look up)
        model: type[models.Model] = type(self)
        current: str = model._base_manager.select_for_update().values_list("status", flat=True).get(pk=self.pk)
        self.status = current
        return current

    def _record(self, change: Change, fields: list[str]) -> None:
        if change.target != change.source:
            self.status = change.target
            fields.append("status")
            if hasattr(self, "status_changed_at"):
                self.status_changed_at = change.at
                fields.append("status_changed_at")
        if change.target != change.source and hasattr(self, "status_changes"):
            self.status_changes.create(
                from_status=change.source, to_status=change.target, by=change.by, reason=change.reason, at=change.at
            )
        # The history record carries who, when, why and the status before and after (django-simple-history).
        record_history(self, by=change.by, reason=change.reason or str(change.transition.label))
        self.save(update_fields=sorted(set(fields)) or ["status"])
        # The certification record (trail): the move, its reason, the fields it set and the choices it was given.
        trail.append(
            "transition",
            self,
            {
                "transition": change.transition.name,
                "from": change.source,
                "to": change.target,
                "reason": change.reason,
                "fields": {name: trail.plain(self.serializable_value(name)) for name in sorted(set(fields))},
                "context": {key: trail.plain(value) for key, value in sorted(change.context.items())},
            },
            change.by,
        )

    def _target_label(self, transition: Transition) -> str:
        return self.status_label(transition.target) if transition.target else str(transition.label)

    def _not_permitted(self, transition: Transition) -> NotPermitted:
        actors = transition.actor_labels()
        if not actors:
            return NotPermitted(_("“%(action)s” is done by the system only.") % {"action": transition.label})
        return NotPermitted(_("“%(action)s” is for %(actors)s only.") % {"action": transition.label, "actors": actors})


@dataclass(frozen=True)
class Offer:
    """A move a page offers this person, with the guards' reasons it would be refused now (then shown disabled)."""

    transition: Transition
    refusals: list

    def __getattr__(self, name):
        return getattr(self.transition, name)


def offers(obj, user, names) -> list[Offer]:
    """The buttons a page has for `obj` (the transitions `names` it performs): those `user` may perform from the
    current state, each with the guards' reasons it would be refused now."""
    return [
        Offer(t, [problem for guard in t.guards for problem in guard(obj, user)])
        for t in obj.available_transitions(user)
        if t.name in names
    ]
