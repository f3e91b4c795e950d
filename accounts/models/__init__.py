from .security import SecurityEvent, SecurityEventQuerySet
from .users import User

__all__ = ["SecurityEvent", "SecurityEventQuerySet", "User"]
