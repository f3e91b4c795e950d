from .certificates import (
    Certificate,
    CertificateNumberSequence,
    CertificateQuerySet,
    CertificateStatusChange,
    DeliveryMethod,
    _verification_token,
)
from .decisions import CaseFile, Decision, DecisionDossier
from .lookups import VerificationLookup
from .surveillance import RecertificationReminder, SurveillanceReminder, SurveillanceReview

__all__ = [
    "CaseFile",
    "Certificate",
    "CertificateNumberSequence",
    "CertificateQuerySet",
    "CertificateStatusChange",
    "Decision",
    "DecisionDossier",
    "DeliveryMethod",
    "RecertificationReminder",
    "SurveillanceReminder",
    "SurveillanceReview",
    "VerificationLookup",
    "_verification_token",
]
