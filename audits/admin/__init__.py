"""The audits in the back office, one module per concern: indicator sets, auditors, planning, the audit's page,
and the team's records from site (read-only)."""

from . import audit, auditors, findings, indicators  # noqa: F401  (each module registers its ModelAdmins)
