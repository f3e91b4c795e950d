"""Test overrides: fast hashing, in-memory mail and files, tasks run inline when enqueued."""

from .settings import *  # noqa: F403

SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Enqueued tasks run inline in unit tests (they are still enqueued on commit); the integration
# tests start a real worker with their own settings.
CELERY_TASK_ALWAYS_EAGER = True  # the integration fixtures switch it off
CELERY_TASK_EAGER_PROPAGATES = True
# DEBUG is off here, so settings.py turns on its secure defaults (HTTPS redirect, HTTPS-only cookies, HSTS). The
# test client, the live server and the browser tests speak plain HTTP: a redirect to https:// would answer every
# request with a 301, and a browser would drop the HTTPS-only session cookie. tests/security/test_deploy_check.py
# checks the defaults themselves on settings computed without these overrides.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
