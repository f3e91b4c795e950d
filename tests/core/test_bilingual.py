"""Every model named in both languages shows the name of the session's language."""

import pytest
from django.utils import translation

from tests.factories import FeeItemFactory, MaterialTypeFactory, QuoteLineFactory, ServiceCategoryFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("factory", [ServiceCategoryFactory, MaterialTypeFactory, FeeItemFactory, QuoteLineFactory])
def test_the_name_follows_the_session_language(factory):
    named = factory(name_zh="售后服务", name_en="After-sales service")
    with translation.override("en"):
        assert named.name == "After-sales service"
    with translation.override("zh-hans"):
        assert named.name == "售后服务"


@pytest.mark.parametrize("factory", [ServiceCategoryFactory, MaterialTypeFactory])
def test_a_reference_entry_reads_as_its_name(factory):
    named = factory(name_zh="售后服务", name_en="After-sales service")
    with translation.override("en"):
        assert str(named) == "After-sales service"
    with translation.override("zh-hans"):
        assert str(named) == "售后服务"
