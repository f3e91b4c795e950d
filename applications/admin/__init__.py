"""The back office (design.md §3): staff review applications, materials and payments in the Django admin."""

from . import application, invoices, reference, workflow  # noqa: F401  (each module registers its ModelAdmins)
