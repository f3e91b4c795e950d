from .applications import Application, ApplicationQuerySet, ApplicationStatusChange, Grade
from .categories import ServiceCategory
from .fees import FeeItem, FeeSchedule, ManDayRule, Payment, Quote, QuoteLine
from .materials import MaterialFile, MaterialItem, MaterialType
from .notifications import Notification
from .organizations import Membership, Organization

__all__ = [
    "Application",
    "ApplicationQuerySet",
    "ApplicationStatusChange",
    "FeeItem",
    "FeeSchedule",
    "Grade",
    "ManDayRule",
    "MaterialFile",
    "MaterialItem",
    "MaterialType",
    "Membership",
    "Notification",
    "Organization",
    "Payment",
    "Quote",
    "QuoteLine",
    "ServiceCategory",
]
