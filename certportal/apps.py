from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


class CertportalConfig(AppConfig):
    name = "certportal"
    verbose_name = "certportal"

    def ready(self):
        # After every migrate, once django-celery-beat's tables exist: the periodic jobs as certportal.jobs declares
        # them. Configuration, not workflow. (certportal has no models, so it sends no post_migrate of its own.)
        post_migrate.connect(
            _sync_jobs, sender=apps.get_app_config("django_celery_beat"), dispatch_uid="certportal.sync_jobs"
        )


def _sync_jobs(sender, **kwargs):
    from .jobs import sync_periodic_jobs

    sync_periodic_jobs()
