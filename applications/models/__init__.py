from .applications import Application, ApplicationQuerySet, ApplicationStatusChange, Grade
from .billing import InvoiceFile, InvoiceRequest, PaymentEvent
from .categories import ServiceCategory
from .fees import FeeItem, FeeReminder, FeeSchedule, ManDayRule, Payment, Quote, QuoteLine
from .materials import MaterialFile, MaterialItem, MaterialType
from .members import AccessRequest, Invitation
from .notifications import Notification
from .online import OnlineOrder
from .organizations import Membership, Organization

__all__ = [
    "AccessRequest",
    "Application",
    "ApplicationQuerySet",
    "ApplicationStatusChange",
    "FeeItem",
    "FeeReminder",
    "FeeSchedule",
    "Grade",
    "Invitation",
    "InvoiceFile",
    "InvoiceRequest",
    "ManDayRule",
    "MaterialFile",
    "MaterialItem",
    "MaterialType",
    "Membership",
    "Notification",
    "OnlineOrder",
    "Organization",
    "Payment",
    "PaymentEvent",
    "Quote",
    "QuoteLine",
    "ServiceCategory",
]
