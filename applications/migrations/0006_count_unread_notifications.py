from django.db import migrations
from django.db.models import Count, Q


def count_unread(apps, schema_editor):
    """Start each user's counter from the notifications they already have."""
    User = apps.get_model("accounts", "User")
    counted = User.objects.annotate(n=Count("notifications", filter=Q(notifications__read_at__isnull=True)))
    for user_id, unread in counted.filter(n__gt=0).values_list("pk", "n").iterator():
        User.objects.filter(pk=user_id).update(unread_notifications=unread)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_user_unread_notifications"),
        ("applications", "0005_invitations_access_requests_invoices_payment_events"),
    ]

    operations = [migrations.RunPython(count_unread, migrations.RunPython.noop)]
