"""Small shared pieces of the status machines used by every app."""

from django.utils.translation import gettext as _


class TransitionError(Exception):
    """A workflow action that cannot be done; the message is translated and safe to show to users."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidTransition(TransitionError):
    """The object is not in a state that allows this action."""

    def __init__(self, current_label: str, target_label: str):
        super().__init__(
            _("Not possible while the status is “%(current)s” (cannot move to “%(target)s”).")
            % {"current": current_label, "target": target_label}
        )
        self.current = current_label
        self.target = target_label


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
