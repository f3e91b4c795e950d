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
