import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def photos_are_stored_as_uploaded(apps, schema_editor):
    """A photo's original is kept as it came: the stored file's hash is the upload's."""
    AuditPhoto = apps.get_model("audits", "AuditPhoto")
    AuditPhoto.objects.update(stored_sha256=models.F("sha256"))


class Migration(migrations.Migration):
    dependencies = [
        ("audits", "0007_indicator_set_name_without_mark"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameField(model_name="auditphoto", old_name="original", new_name="file"),
        migrations.AlterField(
            model_name="auditphoto",
            name="file",
            field=models.FileField(max_length=200, upload_to="", verbose_name="file"),
        ),
        migrations.AddField(
            model_name="auditphoto",
            name="stored_sha256",
            field=models.CharField(
                blank=True,
                help_text="A PDF is stored rewritten without its active content; empty for files kept before.",
                max_length=64,
                verbose_name="SHA-256 of the stored file",
            ),
        ),
        migrations.RunPython(photos_are_stored_as_uploaded, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditphoto",
            name="sha256",
            field=models.CharField(help_text="Of the file as it was uploaded.", max_length=64, verbose_name="SHA-256"),
        ),
        migrations.AlterField(
            model_name="auditphoto",
            name="uploaded_by",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="uploaded by",
            ),
        ),
    ]
