"""Deployment checks Django does not make (run by `manage.py check --deploy`, hence by `make check-deploy`)."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

ONE_YEAR = 365 * 24 * 3600
CSP_REQUIRED = {"object-src": "'none'", "base-uri": "'none'", "frame-ancestors": "'none'"}
PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


@register(Tags.security, deploy=True)
def check_https_and_proxy(app_configs, **kwargs):
    problems = []
    if 0 < settings.SECURE_HSTS_SECONDS < ONE_YEAR:
        problems.append(
            Warning(
                "SECURE_HSTS_SECONDS is shorter than a year (ASVS 5.0 3.4.1).",
                hint="Set SECURE_HSTS_SECONDS=31536000 or more.",
                id="certportal.W001",
            )
        )
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None) and not settings.TRUSTED_PROXY_COUNT:
        problems.append(
            Warning(
                "Behind a proxy (SECURE_PROXY_SSL_HEADER is set) but TRUSTED_PROXY_COUNT is 0: every visitor "
                "would have the proxy's address, so a stranger's failed sign-ins would lock an account's owner out too.",
                hint="Set TRUSTED_PROXY_COUNT to the number of proxies that append to X-Forwarded-For.",
                id="certportal.W002",
            )
        )
    return problems


@register(Tags.security, deploy=True)
def check_content_security_policy(app_configs, **kwargs):
    """No deploy check warns when a CSP is missing (targets.md §4.1), so this one does."""
    directives = getattr(settings, "CONTENT_SECURITY_POLICY", {}).get("DIRECTIVES", {})
    missing = [f"{name} {value}" for name, value in CSP_REQUIRED.items() if value not in directives.get(name, [])]
    if "csp.middleware.CSPMiddleware" not in settings.MIDDLEWARE:
        missing.insert(0, "csp.middleware.CSPMiddleware")
    if not missing:
        return []
    return [Warning(f"The Content-Security-Policy lacks: {', '.join(missing)}.", id="certportal.W003")]


@register(Tags.security, deploy=True)
def check_shared_cache(app_configs, **kwargs):
    """The rate limits, the TOTP replay guard and the guess cap count in the default cache: it must be shared."""
    backend = settings.CACHES["default"]["BACKEND"]
    if backend not in PER_PROCESS_CACHES:
        return []
    return [
        Error(
            f"The default cache ({backend}) is kept in each process: rate limits, sign-in throttles, the TOTP "
            "replay guard and the guess cap would count per process, so N processes allow N times the attempts.",
            hint="Set CACHE_URL to a Redis database shared by every web process (e.g. redis://127.0.0.1:6379/2).",
            id="certportal.E001",
        )
    ]


@register(Tags.security, deploy=True)
def check_no_sandbox_payments(app_configs, **kwargs):
    """The sandbox pays with pretend money: with it on, applicants could mark their own fee paid."""
    if "sandbox" not in settings.PAYMENT_PROVIDERS:
        return []
    return [
        Error(
            'The sandbox payment provider is on (PAYMENT_PROVIDERS lists "sandbox"): applicants can mark their own '
            "fee paid with pretend money.",
            hint='Remove "sandbox" from PAYMENT_PROVIDERS (its default is on only when DEBUG is on).',
            id="certportal.E002",
        )
    ]


@register(Tags.security, deploy=True)
def check_wechatpay_settings(app_configs, **kwargs):
    """WeChat Pay switched on needs its merchant settings and both keys (applications/payments/wechat.py)."""
    if "wechat" not in settings.PAYMENT_PROVIDERS:
        return []
    from applications.payments import wechat

    missing = wechat.missing_settings()
    if missing:
        return [
            Error(
                f'WeChat Pay is on (PAYMENT_PROVIDERS lists "wechat") but {", ".join(missing)} not set: no order '
                "could be placed and no notification verified.",
                hint="See docs/operations.md, “WeChat Pay”.",
                id="certportal.E032",
            )
        ]
    problems = []
    if len(settings.WECHATPAY_APIV3_KEY.encode()) != 32:
        problems.append("WECHATPAY_APIV3_KEY must be the 32-character APIv3 key (AES-256-GCM)")
    try:
        wechat.client()
    except Exception as error:  # the SDK raises bare Exception for a key it cannot load
        problems.append(f"the keys cannot be loaded (WECHATPAY_PRIVATE_KEY_PATH, WECHATPAY_PUBLIC_KEY_PATH): {error}")
    return [
        Error(
            f"WeChat Pay: {problem}.",
            hint="The merchant API certificate's private key (apiclient_key.pem) and the WeChat Pay public key "
            "(pub_key.pem), both PEM, as downloaded from the merchant platform.",
            id="certportal.E033",
        )
        for problem in problems
    ]


@register(Tags.security, deploy=True)
def check_mfa_encryption_keys(app_configs, **kwargs):
    """Second-factor secrets are encrypted with a dedicated key, not one derived from SECRET_KEY."""
    from cryptography.fernet import Fernet

    keys = settings.MFA_ENCRYPTION_KEYS
    if not keys:
        return [
            Error(
                "MFA_ENCRYPTION_KEYS is not set: TOTP secrets and recovery-code seeds are encrypted with a key "
                "derived from SECRET_KEY, so whoever learns SECRET_KEY can read them, and changing it locks "
                "every second factor.",
                hint='Set MFA_ENCRYPTION_KEYS to a key made by: python -c "from cryptography.fernet import Fernet; '
                'print(Fernet.generate_key().decode())"',
                id="certportal.E010",
            )
        ]
    problems = []
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except ValueError:
            problems.append(
                Error(
                    f"Key {position} of MFA_ENCRYPTION_KEYS is not a Fernet key (32 url-safe base64-encoded bytes).",
                    id="certportal.E011",
                )
            )
    return problems


@register(Tags.security, deploy=True)
def check_alipay_settings(app_configs, **kwargs):
    """Alipay switched on needs its application id, seller id and both keys (applications/payments/alipay.py)."""
    if "alipay" not in settings.PAYMENT_PROVIDERS:
        return []
    required = ("ALIPAY_APP_ID", "ALIPAY_SELLER_ID", "ALIPAY_APP_PRIVATE_KEY_PATH", "ALIPAY_PUBLIC_KEY_PATH")
    missing = [name for name in required if not getattr(settings, name, "")]
    if missing:
        return [
            Error(
                f'Alipay is on (PAYMENT_PROVIDERS lists "alipay") but {", ".join(missing)} not set: no payment could '
                "be started and no notification verified.",
                hint="See docs/operations.md, “Alipay”.",
                id="certportal.E030",
            )
        ]
    from applications.payments.alipay import client

    try:
        if not client().app_private_key.has_private():
            raise ValueError("ALIPAY_APP_PRIVATE_KEY_PATH holds a public key, not the application's private key")
    except (OSError, ValueError, IndexError, TypeError) as error:
        return [
            Error(
                f"Alipay's keys cannot be loaded (ALIPAY_APP_PRIVATE_KEY_PATH, ALIPAY_PUBLIC_KEY_PATH): {error}",
                hint="The application's RSA2 private key and Alipay's public key, each as PEM or the bare base64 "
                "the Alipay key tool writes.",
                id="certportal.E031",
            )
        ]
    return []
