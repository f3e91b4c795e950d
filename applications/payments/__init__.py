"""Online payment providers behind one small interface (bank transfer with a receipt needs none of this).

A provider starts a payment by sending the applicant somewhere (`start` returns the URL) and later hears back
from its bank through a server-to-server callback (`handle_callback`). `record_paid_event` is the one place
where a provider's "paid" event confirms a Payment: once per event id, whatever the provider sends twice.
The interface is in provider.py; each provider has its own module and is listed in PROVIDERS.
"""

from django.conf import settings

from .alipay import AlipayProvider
from .provider import Provider
from .sandbox import SandboxProvider
from .wechat import WeChatProvider

# Every provider the portal has, by name; PAYMENT_PROVIDERS switches them on.
PROVIDERS: dict[str, Provider] = {
    provider.name: provider for provider in [SandboxProvider(), WeChatProvider(), AlipayProvider()]
}


def enabled() -> list[Provider]:
    return [PROVIDERS[name] for name in settings.PAYMENT_PROVIDERS if name in PROVIDERS]


def get(name: str) -> Provider | None:
    """The provider called `name` if the portal has it and settings switch it on, else None."""
    return PROVIDERS.get(name) if name in settings.PAYMENT_PROVIDERS else None
