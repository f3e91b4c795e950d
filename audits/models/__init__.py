from .auditors import AuditorProfile, ConflictOfInterest
from .audits import Audit, AuditLocked, AuditQuerySet, AuditTeamMember
from .findings import (
    CorrectiveAction,
    EvidenceFile,
    ItemScore,
    Nonconformity,
    NonconformityQuerySet,
    SpecialFinding,
)
from .indicators import Indicator, IndicatorSet
from .photos import AuditPhoto

__all__ = [
    "Audit",
    "AuditLocked",
    "AuditPhoto",
    "AuditQuerySet",
    "AuditTeamMember",
    "AuditorProfile",
    "ConflictOfInterest",
    "CorrectiveAction",
    "EvidenceFile",
    "Indicator",
    "IndicatorSet",
    "ItemScore",
    "Nonconformity",
    "NonconformityQuerySet",
    "SpecialFinding",
]
