from unittest import mock

import pytest

from certificates.checks import harfbuzz_subset_check
from certportal.celery import refuse_to_start_without_pdf_support


def test_the_check_passes_when_harfbuzz_subset_is_loaded():
    assert harfbuzz_subset_check() == []


def test_without_harfbuzz_subset_the_check_fails_and_the_worker_refuses_to_start():
    with mock.patch("weasyprint.text.ffi.harfbuzz_subset", None):
        errors = harfbuzz_subset_check()
        assert [e.id for e in errors] == ["certificates.E001"]
        with pytest.raises(SystemExit):
            refuse_to_start_without_pdf_support()
