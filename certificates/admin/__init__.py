"""Decision-makers' desk (case files) and the certificate register in the Django admin."""

from . import casefile, records, surveillance  # noqa: F401  (each module registers its ModelAdmins)
