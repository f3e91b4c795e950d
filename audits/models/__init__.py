from .auditors import AuditorProfile, ConflictOfInterest
from .audits import (
    Audit,
    AuditQuerySet,
    AuditTeamMember,
    Indicator,
    IndicatorSet,
    ItemScore,
    Nonconformity,
    NonconformityQuerySet,
    SpecialFinding,
)

__all__ = [
    "Audit",
    "AuditQuerySet",
    "AuditTeamMember",
    "AuditorProfile",
    "ConflictOfInterest",
    "Indicator",
    "IndicatorSet",
    "ItemScore",
    "Nonconformity",
    "NonconformityQuerySet",
    "SpecialFinding",
]
