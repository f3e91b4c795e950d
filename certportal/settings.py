"""certportal settings: one module, driven by environment variables (documented in .env.example).

Grouped by concern: core, apps and middleware, database and cache, files, Celery, security, e-mail, the
certification body's own rules, operations and logging.
"""

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import environ
from botocore.config import Config as S3ClientConfig
from csp import constants as csp
from django.core.management.utils import get_random_secret_key
from django.utils.translation import gettext_lazy as _

from certportal import logs

# --- Core: paths, secret key, debug, hosts, languages and time.
BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
VAR_DIR = Path(env.str("CERTPORTAL_VAR_DIR", default=str(BASE_DIR / "var")))
env.read_env(BASE_DIR / ".env", overwrite=False)
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    # A local run still needs a stable key: it is generated once into var/ and never committed.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(get_random_secret_key())
    SECRET_KEY = key_file.read_text().strip()
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# zh-hans first, English second; Asia/Shanghai.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
# One date format per language, on every page: 2026年12月5日 / 5 Dec 2026 (certportal/formats, docs/dates.md).
FORMAT_MODULE_PATH = ["certportal.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_TZ = True

# --- Apps, middleware, URLs and templates.
INSTALLED_APPS = [
    "accounts.apps.AdminConfig",  # django.contrib.admin, with the second factor required for staff
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_celery_beat",
    "simple_history",
    "pgtrigger",  # the append-only record and security log refuse UPDATE and DELETE on PostgreSQL
    "trail",  # the certification record, below every app of ours
    "accounts",
    "applications",
    "audits",
    "certificates",
    "staff",  # the staff dashboard, above the apps
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "accounts.apps.AxesConfig",  # django-axes
    "csp",
    "django_prometheus",
    "certportal",  # its management commands: backup, restore (certportal/backup.py)
]

MIDDLEWARE = [
    # django-prometheus counts requests between its two middleware: the first, and the last but axes.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "certportal.health.HealthProbeMiddleware",  # before the host and X-Forwarded-For checks
    "certportal.ratelimit.ForwardedForRequiredMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "certportal.compression.TextGZipMiddleware",  # early: compresses the finished body
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "certportal.logs.RequestContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.StaffSessionLimitMiddleware",
    "accounts.middleware.RequireSecondFactorMiddleware",  # staff and auditors: TOTP before anything else
    "accounts.middleware.SecurityEventMiddleware",  # authorization denials and document downloads
    "accounts.middleware.SandboxDownloadsMiddleware",  # every attachment: nosniff + "default-src 'none'; sandbox"
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as axes asks: turns a lockout into the lockout page
]

ROOT_URLCONF = "certportal.urls"
WSGI_APPLICATION = "certportal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "certportal.context_processors.site",
                "applications.context_processors.portal",
                "csp.context_processors.nonce",
            ],
        },
    },
]
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Database: SQLite in var/ (WAL) by default, PostgreSQL when DATABASE_URL says so.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'certportal.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web process read while the worker writes; IMMEDIATE avoids "database is locked"
        # when a read transaction later tries to write.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
    # A file (not :memory:) so a live Celery worker can share the test database; one per process so that
    # parallel test runs do not collide.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-certportal-{os.getpid()}.sqlite3")}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# django-prometheus counts queries through its own engines: the same backends, with instrumented cursors.
DATABASES["default"]["ENGINE"] = {
    "django.db.backends.postgresql": "django_prometheus.db.backends.postgresql",
    "django.db.backends.sqlite3": "django_prometheus.db.backends.sqlite3",
}.get(DATABASES["default"]["ENGINE"], DATABASES["default"]["ENGINE"])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: Redis (CACHE_URL=redis://...) shared by every process in production; per-process memory locally.
# The rate limits and sign-in throttles count in it, so several web processes need the shared one.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

# --- Files: static files served by whitenoise (no CDN anywhere); private files in a local folder outside
# static/ that no URL serves, or in S3 when AWS_STORAGE_BUCKET_NAME is set.
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every request when it is missing

PRIVATE_STORAGE_ROOT = Path(env.str("PRIVATE_STORAGE_ROOT", default=str(VAR_DIR / "private")))
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default=None)
    AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default=None)
    AWS_ACCESS_KEY_ID = env.str("AWS_ACCESS_KEY_ID", default=None)
    AWS_SECRET_ACCESS_KEY = env.str("AWS_SECRET_ACCESS_KEY", default=None)
    AWS_DEFAULT_ACL = None
    AWS_QUERYSTRING_AUTH = True
    AWS_QUERYSTRING_EXPIRE = env.int("AWS_QUERYSTRING_EXPIRE", default=300)
    AWS_S3_FILE_OVERWRITE = False
    default_storage: dict[str, Any] = {"BACKEND": "storages.backends.s3.S3Storage"}
else:
    default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_STORAGE_ROOT), "base_url": None},
    }
STORAGES = {
    "default": default_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# SigV4 presigned URLs (X-Amz-Expires); a storage outage fails fast (connect timeout, 2 quick retries) so the
# Celery task retries with backoff instead of hanging past its time limit. "path" addressing suits most
# S3-compatible servers; AWS itself works with "auto".
AWS_S3_CLIENT_CONFIG = S3ClientConfig(
    signature_version="s3v4",
    s3={"addressing_style": env.str("AWS_S3_ADDRESSING_STYLE", default="auto")},
    connect_timeout=5,
    read_timeout=30,
    retries={"mode": "standard", "max_attempts": 3},
)

# Uploads.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FILES = 20
MAX_UPLOAD_SIZE = env.int("MAX_UPLOAD_SIZE", default=20 * 1024 * 1024)
MAX_APPLICATION_UPLOAD_TOTAL = env.int("MAX_APPLICATION_UPLOAD_TOTAL", default=300 * 1024 * 1024)
# Files per upload request (Django itself refuses more than DATA_UPLOAD_MAX_NUMBER_FILES with a bare 400).
MAX_FILES_PER_UPLOAD = env.int("MAX_FILES_PER_UPLOAD", default=10)
MAX_IMAGE_PIXELS = env.int("MAX_IMAGE_PIXELS", default=40_000_000)

# --- Celery: an embedded filesystem broker in var/ by default (no server needed), Redis in production.
# "localhost": the filesystem transport ignores it, but kombu warns on every connection that has no host name.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://localhost/")
if CELERY_BROKER_URL.startswith("filesystem://"):
    broker_dir = VAR_DIR / "broker"
    for sub in ("queue", "processed", "control"):
        (broker_dir / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(broker_dir / "queue"),
        "data_folder_out": str(broker_dir / "queue"),
        "processed_folder": str(broker_dir / "processed"),
        "control_folder": str(broker_dir / "control"),
        "store_processed": False,
        "polling_interval": 0.5,
    }
    # The filesystem transport has no fan-out exchange, which remote control needs.
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
else:
    # An unacknowledged message (its worker died) is delivered again after the visibility timeout; kombu looks for
    # such messages every CELERY_UNACKED_RESTORE_INTERVAL seconds (throttle 1: every look scans).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=600),
        "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
        "unacked_restore_throttle": 1,
    }
# Several deployments (or test runs) can share one Redis when each has its own queue.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A request never waits long for a broker that is down: the rows are the outbox (certportal/queue.py).
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # the worker logs through LOGGING too

# --- Security. See README "Security" for what each control does and how to sign in to the demo.
# Accounts: the portal signs in by e-mail (django-allauth), the admin by username.
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "accounts.throttle.LoginThrottleBackend",  # refuses a locked account before any password is checked
    "django.contrib.auth.backends.ModelBackend",  # the admin's username sign-in
    "applications.backends.PortalAuthenticationBackend",  # the portal's e-mail sign-in (allauth)
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"  # the portal's sign-in (allauth); staff also have the admin's own login
LOGIN_REDIRECT_URL = "applications:dashboard"
LOGOUT_REDIRECT_URL = "home"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
# Every e-mail, allauth's too, is on the portal's layout with the body's name in the subject (certportal/mail.py).
# The account holder is told of each change to the password, addresses and second factors.
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_LOGOUT_ON_GET = False  # signing out is a POST (no cross-site sign-out links)
ACCOUNT_USER_DISPLAY = str  # the full name (User.__str__), not the generated username
# Valid for ENROLMENT_LINK_HOURS; a new staff account sets its own password and second factor (accounts.enrolment).
ENROLMENT_LINK_HOURS = env.int("ENROLMENT_LINK_HOURS", default=72)
# Sessions of staff and auditors end after this long without a request, and this long in all
# (accounts.middleware.StaffSessionLimitMiddleware); applicants keep SESSION_COOKIE_AGE.
STAFF_SESSION_IDLE_MINUTES = env.int("STAFF_SESSION_IDLE_MINUTES", default=30)
STAFF_SESSION_MAX_HOURS = env.int("STAFF_SESSION_MAX_HOURS", default=12)

# Content Security Policy (django-csp 4): enforced on every response; pages carry no inline script or style
# without the per-request nonce ({{ CSP_NONCE }}). CSP_EXTRA_IMG_SRC adds e.g. an object-storage origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF, csp.NONCE],
        "style-src": [csp.SELF, csp.NONCE],
        "img-src": [csp.SELF, "data:", *env.list("CSP_EXTRA_IMG_SRC", default=[])],
        "object-src": [csp.NONE],
        "base-uri": [csp.NONE],
        "frame-ancestors": [csp.NONE],
        "form-action": [csp.SELF],
    }
}

# Second factor (django-allauth MFA): TOTP with recovery codes, or a passkey. Required for the roles in
# accounts.mfa.required_for().
MFA_ADAPTER = "accounts.mfa_adapter.MFAAdapter"  # accounts.adapter.MFAAdapter + secrets encrypted at rest
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
# Passkeys (WebAuthn) count as the second factor, like a TOTP code: staff sign in with their password, then touch
# the key. Passwordless passkey sign-in stays off. allauth's WebAuthn scripts are its own static files
# (mfa/js/*.js, account/js/onload.js), which the CSP's script-src 'self' allows; their data are JSON blocks.
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="certportal")
# One 30-second step of clock drift either way (RFC 6238 §5.2), so a code typed as the period turns still works.
MFA_TOTP_TOLERANCE = 1
# Staff accounts are created by an administrator, who vouches for the address; applicants cannot sign in
# before verifying theirs (ACCOUNT_EMAIL_VERIFICATION = "mandatory"), so nobody reaches this with a stranger's.
MFA_ALLOW_UNVERIFIED_EMAIL = True
# TOTP secrets and recovery-code seeds are stored encrypted with Fernet keys (accounts.mfa_adapter):
# MFA_ENCRYPTION_KEYS lists them newest first; put a new key first, run `manage.py rotate_mfa_key`, then drop the
# old one. Unset: one key derived from SECRET_KEY (development only: `check --deploy` refuses it, and changing
# SECRET_KEY would then make every authenticator unreadable).
MFA_ENCRYPTION_KEYS = env.list("MFA_ENCRYPTION_KEYS", default=[])
# MFA_LOCK_AFTER wrong codes in a row lock the second factor for MFA_LOCK_MINUTES (accounts.mfa_forms).
MFA_LOCK_AFTER = env.int("MFA_LOCK_AFTER", default=10)
MFA_LOCK_MINUTES = env.int("MFA_LOCK_MINUTES", default=15)
MFA_FORMS = {
    "authenticate": "accounts.mfa_forms.AuthenticateForm",
    "reauthenticate": "accounts.mfa_forms.ReauthenticateForm",
}

# Sign-in throttling (django-axes): per account AND address, so nobody can lock a colleague out from elsewhere.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # a lockout ends 15 minutes after it began
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # the per-account ceiling counts these rows
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins are in accounts.SecurityEvent
AXES_USERNAME_CALLABLE = "accounts.throttle.account_key"
AXES_CLIENT_IP_CALLABLE = "certportal.ratelimit.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.throttle.lockout_response"
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "login", "csrfmiddlewaretoken"]
# Failed sign-ins per account per hour from all addresses together (ASVS 4.0.3 2.2.1: at most 100).
LOGIN_FAILURES_PER_ACCOUNT_PER_HOUR = env.int("LOGIN_FAILURES_PER_ACCOUNT_PER_HOUR", default=100)
# allauth's own limit on failed sign-ins stays as a backstop (per IP, and it caps TOTP code guesses at 200 an
# hour per account); the per-account rules above (axes + accounts.throttle) are the ones people meet.
ACCOUNT_RATE_LIMITS = {"login_failed": "20/m/ip,200/60m/key"}

# Rate limits and proxies. Result pages of the public register a minute: per address and for everybody together
# (20 certificates a page). Behind TRUSTED_PROXY_COUNT proxies, a request without their X-Forwarded-For is refused
# (400) and logged, never pooled under one address.
REGISTER_PAGES_PER_MINUTE_PER_ADDRESS = env.int("REGISTER_PAGES_PER_MINUTE_PER_ADDRESS", default=10)
REGISTER_PAGES_PER_MINUTE = env.int("REGISTER_PAGES_PER_MINUTE", default=300)
# Application-form PDF downloads a minute per user (each version is rendered once, then cached).
FORM_PDF_DOWNLOADS_PER_MINUTE = env.int("FORM_PDF_DOWNLOADS_PER_MINUTE", default=10)
# Number of reverse proxies in front of the app that append to X-Forwarded-For. 0: REMOTE_ADDR is the client.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if env.bool("USE_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Cookies, headers and HTTPS. Secure by default: with DEBUG off, cookies are HTTPS-only, plain HTTP is redirected
# and HSTS lasts a year unless each is turned off explicitly (`make run-prod` on loopback does so).
# `make check-deploy` shows a complete production set.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# security.W021 (no HSTS preload): preloading is a commitment the operator makes by submitting the domain to the
# browsers' preload list; the header must not claim it before that. Set SECURE_HSTS_PRELOAD=true then.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# --- E-mail: console by default.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
if env.str("EMAIL_URL", default=""):
    # e.g. smtp+tls://user:password@smtp.example.com:587 sets EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT, ...
    globals().update(env.email_url("EMAIL_URL"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="certportal <noreply@certportal.localhost>")

# --- The certification body and its certificates (ISO/IEC 17065 §7.7, domain.md §4.2).
# Demo mode: certificates may be granted on an indicator set whose points are placeholders; they are specimens
# (a 样本 / SPECIMEN watermark on the PDF, said plainly on the pages). `make run` turns it on; `check --deploy`
# refuses it (certificates.E002).
DEMO_MODE = env.bool("DEMO_MODE", default=False)
# Printed on every certificate and on the public verification page. The defaults are demo values: set them.
CERTIFICATION_BODY_NAME = env.str("CERTIFICATION_BODY_NAME", default="certportal 认证中心")
CERTIFICATION_BODY_NAME_EN = env.str("CERTIFICATION_BODY_NAME_EN", default="certportal Certification Centre")
CERTIFICATION_BODY_ADDRESS = env.str("CERTIFICATION_BODY_ADDRESS", default="上海市浦东新区世纪大道 100 号")
CERTIFICATION_BODY_ADDRESS_EN = env.str(
    "CERTIFICATION_BODY_ADDRESS_EN", default="100 Century Avenue, Pudong New Area, Shanghai"
)
# How people reach the body: in every e-mail's footer and the pages' contact snippet (certportal/contact.py,
# templates/includes/contact.html). The website defaults to the portal itself (SITE_URL).
CERTIFICATION_BODY_PHONE = env.str("CERTIFICATION_BODY_PHONE", default="021-5888 0000")
CERTIFICATION_BODY_EMAIL = env.str("CERTIFICATION_BODY_EMAIL", default="service@certportal.localhost")
CERTIFICATION_BODY_WEBSITE = env.str("CERTIFICATION_BODY_WEBSITE", default=SITE_URL)
# The person authorised to sign certificates (ISO/IEC 17065 §7.7.1 f).
CERTIFICATE_SIGNATORY_NAME = env.str("CERTIFICATE_SIGNATORY_NAME", default="王立新")
CERTIFICATE_SIGNATORY_TITLE = env.str("CERTIFICATE_SIGNATORY_TITLE", default="认证中心主任")
CERTIFICATE_SIGNATORY_TITLE_EN = env.str("CERTIFICATE_SIGNATORY_TITLE_EN", default="Director")
# The body's signing key (certportal/signing.py; README "Signing"): every certificate, audit report and decision
# dossier PDF carries the body's PAdES signature. SIGNING_KEY_BACKEND (SIGNING_BACKEND is Django's cookie signer):
# a class whose signer() gives a pyHanko Signer; the default reads a PKCS#12 file. `make run` creates a development
# one (manage.py create_dev_signing_key);
# `check --deploy` refuses it (certificates.E005). SIGNING_TSA_URL: an RFC 3161 timestamp authority (PAdES B-T).
# SIGNING_EXTRA_TRUST_ROOTS: older or additional CA certificates (PEM/DER files) documents are validated against.
SIGNING_KEY_BACKEND = env.str("SIGNING_KEY_BACKEND", default="certportal.signing.PKCS12Backend")
SIGNING_PKCS12_PATH = env.str("SIGNING_PKCS12_PATH", default=str(VAR_DIR / "signing" / "signing.p12"))
SIGNING_PKCS12_PASSWORD = env.str("SIGNING_PKCS12_PASSWORD", default="")
SIGNING_TSA_URL = env.str("SIGNING_TSA_URL", default="")
SIGNING_EXTRA_TRUST_ROOTS = env.list("SIGNING_EXTRA_TRUST_ROOTS", default=[])
# SIGNING_KEY_BACKEND=certportal.signing.PKCS11Backend: the key in a hardware module (needs python-pkcs11): its
# PKCS#11 library, the token's label and user PIN, and the label of the key and of its certificate on the token.
SIGNING_PKCS11_MODULE = env.str("SIGNING_PKCS11_MODULE", default="")
SIGNING_PKCS11_TOKEN_LABEL = env.str("SIGNING_PKCS11_TOKEN_LABEL", default="")
SIGNING_PKCS11_PIN = env.str("SIGNING_PKCS11_PIN", default="")
SIGNING_PKCS11_KEY_LABEL = env.str("SIGNING_PKCS11_KEY_LABEL", default="")
# Certificate numbers (certificates/numbering.py; an invalid pattern stops start-up, certificates.E003). Tokens:
# {year} 2026, {yy} 26, {seq} the number within the year (gap-free; width e.g. {seq:06d}), {recert} the
# re-certification count (0 initial, 1, 2 … along the chain of renewals: write "R{recert}"), {size} a size letter.
# CNCA style (domain.md §4.2): "034{yy}Q{seq:05d}R{recert}{size}" gives 03426Q00001R0S.
CERTIFICATE_NUMBER_PATTERN = env.str("CERTIFICATE_NUMBER_PATTERN", default="CP-{year}-{seq:06d}")
# The size letter by number of employees: the letter of the largest threshold not above the count. The defaults
# follow the employee bands of 《统计上大中小微型企业划分办法（2017）》 for industry (small below 300, medium
# 300–999, large from 1,000); micro firms count as small, as CNCA's numbers know only S, M and L.
CERTIFICATE_SIZE_LETTERS = env.dict(
    "CERTIFICATE_SIZE_LETTERS", cast={"value": int}, default={"S": 0, "M": 300, "L": 1000}
)

# Certification cycle (design.md §4; domain.md §4.1). Days and months are counted in TIME_ZONE.
CERTIFICATE_VALIDITY_MONTHS = env.int("CERTIFICATE_VALIDITY_MONTHS", default=36)
# Each surveillance is due at most this many months after the previous audit's last on-site day (the first one
# after the certification audit's), never after expiry. A cycle holds as many as fall before expiry, (36 − 1) // 12
# = 2: the re-certification audit takes the place of the one that would fall on expiry (certificates/cycle.py).
SURVEILLANCE_INTERVAL_MONTHS = env.int("SURVEILLANCE_INTERVAL_MONTHS", default=12)
SURVEILLANCE_REMINDER_DAYS = env.list("SURVEILLANCE_REMINDER_DAYS", cast=int, default=[60, 30, 7])
SURVEILLANCE_GRACE_DAYS = env.int("SURVEILLANCE_GRACE_DAYS", default=30)
SUSPENSION_LIMIT_MONTHS = env.int("SUSPENSION_LIMIT_MONTHS", default=6)
# Fees of the cycle (domain.md §5.2): surveillance, annual and travel quotes are due this many days after quoting;
# the enterprise is reminded these many days before (and once when overdue). An unpaid fee past due is listed for
# the decision-maker as a suspension reason; nothing is suspended for money by itself.
FEE_DUE_DAYS = env.int("FEE_DUE_DAYS", default=30)
FEE_REMINDER_DAYS = env.list("FEE_REMINDER_DAYS", cast=int, default=[14, 3])
# Re-certification: the holder may apply from OPENS months before expiry. One started later than LATEST months
# before expiry cannot be finished in time and becomes an initial certification (domain.md §4.1). Keep the first
# reminder inside the window (180 days is inside 6 months).
RECERTIFICATION_OPENS_MONTHS = env.int("RECERTIFICATION_OPENS_MONTHS", default=6)
RECERTIFICATION_LATEST_MONTHS = env.int("RECERTIFICATION_LATEST_MONTHS", default=3)
RECERTIFICATION_REMINDER_DAYS = env.list("RECERTIFICATION_REMINDER_DAYS", cast=int, default=[180, 120, 90])
# "Stars only after one year at 达标级" (domain.md §2.5; an older scheme rule that bodies may or may not apply): when
# on, a first certification is granted at most at Compliant unless the decision records the "particularly
# outstanding results" exception with a reason (certificates/policy.py).
STARS_AFTER_COMPLIANT_YEAR = env.bool("STARS_AFTER_COMPLIANT_YEAR", default=False)

# Staff back office: review deadlines, auditor rotation, exports.
# Days an application may stay in a state before the admin highlights it as late ("default": other open states).
REVIEW_SLA_DAYS = {
    "default": 14,
    "submitted": 5,
    "returned": 30,
    "accepted": 30,
    "paid": 10,
    "audit_planned": 60,
    "audit_reported": 10,
    "corrective_action": 90,
    "awaiting_decision": 10,
}
# An auditor who was on the team of each of an organization's last N certification cycles must sit this one out.
AUDITOR_ROTATION_CYCLES = env.int("AUDITOR_ROTATION_CYCLES", default=2)
SURVEILLANCE_DUE_SOON_DAYS = env.int("SURVEILLANCE_DUE_SOON_DAYS", default=60)
# openpyxl writes about 3,000 rows a second: 20,000 rows take ~7 s in the request; the CSV streams any size.
EXPORT_XLSX_MAX_ROWS = env.int("EXPORT_XLSX_MAX_ROWS", default=20_000)
# History is for reading: reverting a workflow object from its history would bypass the transitions.
SIMPLE_HISTORY_REVERT_DISABLED = True

# On-site audits: grades, nonconformities, photos (domain.md §2.4–2.6).
# Inclusive score thresholds per grade (GB/T 27922: 95/90/80/70); audits.scoring.grade_for is the only reader.
GRADE_THRESHOLDS = {
    "five_star": env.float("GRADE_THRESHOLD_FIVE_STAR", default=95),
    "four_star": env.float("GRADE_THRESHOLD_FOUR_STAR", default=90),
    "three_star": env.float("GRADE_THRESHOLD_THREE_STAR", default=80),
    "compliant": env.float("GRADE_THRESHOLD_COMPLIANT", default=70),
}
# Days the applicant gets to correct a nonconformity (the auditor may set another date per finding).
NONCONFORMITY_DUE_DAYS = env.int("NONCONFORMITY_DUE_DAYS", default=90)
# Special-deduction categories that block a positive recommendation whatever the score (否决项; none are
# published, so the body decides): any of "law", "own_rules", "industry", "system". An auditor can also mark
# any single nonconformity as blocking.
BLOCKING_DEDUCTION_CATEGORIES = env.list("BLOCKING_DEDUCTION_CATEGORIES", default=[])
# Photo derivatives: the long side of the picture shown and put in reports, and of the thumbnail.
AUDIT_PHOTO_SIZE = env.int("AUDIT_PHOTO_SIZE", default=1600)
AUDIT_PHOTO_THUMBNAIL_SIZE = env.int("AUDIT_PHOTO_THUMBNAIL_SIZE", default=320)

# Applicant portal: invitations and online payment providers.
INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", default=14)
# Online payment providers offered to applicants. The sandbox pays with pretend money, so it is only on
# by default in DEBUG; never list it in production.
PAYMENT_PROVIDERS = env.list("PAYMENT_PROVIDERS", default=["sandbox"] if DEBUG else [])
# The key that signs the sandbox's callbacks; empty: derived from SECRET_KEY (applications/payments/sandbox.py).
PAYMENT_SANDBOX_SECRET = env.str("PAYMENT_SANDBOX_SECRET", default="")
# Online orders (WeChat Pay, Alipay): an order is valid this long at the provider (WeChat Pay's time_expire) …
ONLINE_ORDER_EXPIRES_MINUTES = env.int("ONLINE_ORDER_EXPIRES_MINUTES", default=120)
# … and one still open this long after it was made, without a callback, is queried by the periodic job
# (applications.tasks.query_open_orders, every 5 minutes, certportal/jobs.py): paid → the payment is confirmed,
# closed or expired → the order is closed and the payment stays awaiting payment.
ONLINE_ORDER_QUERY_AFTER_MINUTES = env.int("ONLINE_ORDER_QUERY_AFTER_MINUTES", default=10)
# WeChat Pay API v3 (PAYMENT_PROVIDERS lists "wechat"; docs/operations.md, "WeChat Pay"): the merchant id and the
# app id bound to it, the merchant API certificate's private key (apiclient_key.pem) and serial number, the APIv3
# key (32 characters), and the WeChat Pay public key (pub_key.pem) with its id (PUB_KEY_ID_…). Notifications go to
# SITE_URL + /applications/payments/callback/wechat/ (https in production). The gateway changes only in tests.
WECHATPAY_MCH_ID = env.str("WECHATPAY_MCH_ID", default="")
WECHATPAY_APP_ID = env.str("WECHATPAY_APP_ID", default="")
WECHATPAY_PRIVATE_KEY_PATH = env.str("WECHATPAY_PRIVATE_KEY_PATH", default="")
WECHATPAY_CERT_SERIAL_NO = env.str("WECHATPAY_CERT_SERIAL_NO", default="")
WECHATPAY_APIV3_KEY = env.str("WECHATPAY_APIV3_KEY", default="")
WECHATPAY_PUBLIC_KEY_PATH = env.str("WECHATPAY_PUBLIC_KEY_PATH", default="")
WECHATPAY_PUBLIC_KEY_ID = env.str("WECHATPAY_PUBLIC_KEY_ID", default="")
WECHATPAY_GATEWAY = env.str("WECHATPAY_GATEWAY", default="https://api.mch.weixin.qq.com")
# Alipay (PAYMENT_PROVIDERS lists "alipay"; docs/operations.md "Alipay"): the application's id on the open platform
# (开放平台 APPID), the merchant's partner id (PID, 2088…; notifications for another seller are refused), the
# application's RSA2 private key and Alipay's public key (PEM files, or the bare base64 the Alipay key tool writes).
# Notifications come to SITE_URL/portal/payments/callback/alipay/; the payer returns to
# SITE_URL/portal/payments/alipay/return/. The gateway is Alipay's; the tests point it at a loopback peer.
ALIPAY_APP_ID = env.str("ALIPAY_APP_ID", default="")
ALIPAY_SELLER_ID = env.str("ALIPAY_SELLER_ID", default="")
ALIPAY_APP_PRIVATE_KEY_PATH = env.str("ALIPAY_APP_PRIVATE_KEY_PATH", default="")
ALIPAY_PUBLIC_KEY_PATH = env.str("ALIPAY_PUBLIC_KEY_PATH", default="")
ALIPAY_GATEWAY = env.str("ALIPAY_GATEWAY", default="https://openapi.alipay.com/gateway.do")

# --- Operations (README "Operations"): health, metrics, logs.
# The readiness checks' details and the metrics are for addresses in OPS_INTERNAL_NETWORKS (as client_ip sees them:
# behind a proxy set TRUSTED_PROXY_COUNT, or every request would come from the proxy's loopback) or for a request
# with "Authorization: Bearer <OPS_TOKEN>" (empty: no token accepted). Others get the status code only.
OPS_INTERNAL_NETWORKS = env.list("OPS_INTERNAL_NETWORKS", default=["127.0.0.0/8", "::1/128"])
OPS_TOKEN = env.str("OPS_TOKEN", default="")
# The beat writes each periodic task's last run back every few minutes: readiness fails once one is this late.
BEAT_GRACE_MINUTES = env.int("BEAT_GRACE_MINUTES", default=10)
HEALTH_WORKER_PING_SECONDS = env.float("HEALTH_WORKER_PING_SECONDS", default=2)

# Logs (certportal/logs.py): JSON lines with request_id, user_id, organization_id (and task, task_id in the worker),
# secrets redacted; LOG_FORMAT=console for a person reading them (the default with DEBUG, e.g. `make run`).
LOG_FORMAT = env.str("LOG_FORMAT", default="console" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"structured": logs.formatter(LOG_FORMAT)},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "WARNING"},
        "pikepdf": {"level": "WARNING"},
        # axes logs every sign-in at INFO; the security event log has them. Failures and lockouts stay (WARNING).
        "axes": {"level": "WARNING"},
        # Even with LOG_LEVEL=DEBUG: botocore's DEBUG lines carry request signatures and signed URLs, urllib3's the
        # URLs.
        **{name: {"level": "INFO"} for name in ("botocore", "boto3", "s3transfer", "urllib3")},
    },
}
