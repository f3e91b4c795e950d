import pytest


@pytest.fixture
def certification_body(settings):
    """A certification body other than the demo defaults, so tests see the settings at work."""
    settings.CERTIFICATION_BODY_NAME = "华信认证中心"
    settings.CERTIFICATION_BODY_NAME_EN = "Huaxin Certification Centre"
    settings.CERTIFICATION_BODY_ADDRESS = "杭州市西湖区文三路 90 号"
    settings.CERTIFICATION_BODY_ADDRESS_EN = "90 Wensan Road, Hangzhou"
    settings.CERTIFICATION_BODY_PHONE = "0571-8888 1234"
    settings.CERTIFICATION_BODY_EMAIL = "service@huaxin.example"
    settings.CERTIFICATION_BODY_WEBSITE = "https://huaxin.example"
