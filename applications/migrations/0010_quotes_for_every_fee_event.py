"""Quotes for every chargeable event of the certification cycle (domain.md §5.2).

A quote was one-to-one with its application (the acceptance quote); it now names its event and, where it bills one,
the certificate, surveillance review, audit or certificate year, with a due date. The existing quotes are acceptance
quotes: their event is their application's kind (initial or re-certification). Reminders of unpaid fees are
recorded (FeeReminder), so none is sent twice.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def event_from_application_kind(apps, schema_editor):
    Quote = apps.get_model("applications", "Quote")
    for kind in ("initial", "recertification"):
        Quote.objects.filter(application__kind=kind).update(event=kind)


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0009_online_orders"),
        ("audits", "0008_auditphoto_stored_file"),
        ("certificates", "0008_case_file_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="quote",
            options={"ordering": ["created_at", "pk"], "verbose_name": "quote", "verbose_name_plural": "quotes"},
        ),
        migrations.AddField(
            model_name="quote",
            name="audit",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="quotes",
                to="audits.audit",
                verbose_name="audit",
            ),
        ),
        migrations.AddField(
            model_name="quote",
            name="certificate",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="quotes",
                to="certificates.certificate",
                verbose_name="certificate",
            ),
        ),
        migrations.AddField(
            model_name="quote",
            name="certificate_year",
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="certificate year"),
        ),
        migrations.AddField(
            model_name="quote",
            name="due_on",
            field=models.DateField(blank=True, db_index=True, null=True, verbose_name="due by"),
        ),
        migrations.AddField(
            model_name="quote",
            name="event",
            field=models.CharField(
                choices=[
                    ("initial", "Initial certification"),
                    ("recertification", "Re-certification"),
                    ("surveillance", "Surveillance audit"),
                    ("annual_fee", "Annual fee"),
                    ("travel", "Travel and accommodation"),
                ],
                default="initial",
                max_length=20,
                verbose_name="for",
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="quote",
            name="man_days_set_by",
            field=models.ForeignKey(
                blank=True,
                help_text="Empty when the man-days come from the man-day table.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="man-days set by",
            ),
        ),
        migrations.AddField(
            model_name="quote",
            name="surveillance_review",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="quotes",
                to="certificates.surveillancereview",
                verbose_name="surveillance review",
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="kind",
            field=models.CharField(
                choices=[
                    ("status_changed", "Application status changed"),
                    ("material_rejected", "Material rejected"),
                    ("payment_confirmed", "Payment confirmed"),
                    ("payment_rejected", "Payment receipt rejected"),
                    ("invoice_issued", "Invoice issued"),
                    ("invoice_voided", "Invoice voided (red-letter)"),
                    ("audit_planned", "Audit planned"),
                    ("nonconformity_raised", "Nonconformity raised"),
                    ("certificate_issued", "Certificate issued"),
                    ("certificate_status", "Certificate status changed"),
                    ("surveillance_due", "Surveillance due"),
                    ("recertification_due", "Re-certification due"),
                    ("invitation", "Invitation to an organization"),
                    ("access_request", "Request to join an organization"),
                    ("fee_quoted", "Fee quoted"),
                    ("fee_due", "Fee due soon"),
                    ("fee_overdue", "Fee overdue"),
                ],
                max_length=30,
                verbose_name="kind",
            ),
        ),
        migrations.AlterField(
            model_name="quote",
            name="application",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="quotes",
                to="applications.application",
                verbose_name="application",
            ),
        ),
        migrations.AlterField(
            model_name="quote",
            name="man_days",
            field=models.DecimalField(
                blank=True, decimal_places=1, max_digits=4, null=True, verbose_name="audit man-days"
            ),
        ),
        migrations.RunPython(event_from_application_kind, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="quote",
            constraint=models.UniqueConstraint(
                condition=models.Q(("event__in", ["initial", "recertification"])),
                fields=("application",),
                name="one_acceptance_quote_per_application",
            ),
        ),
        migrations.AddConstraint(
            model_name="quote",
            constraint=models.UniqueConstraint(
                condition=models.Q(("event", "surveillance")),
                fields=("surveillance_review",),
                name="one_quote_per_surveillance_review",
            ),
        ),
        migrations.AddConstraint(
            model_name="quote",
            constraint=models.UniqueConstraint(
                condition=models.Q(("event", "annual_fee")),
                fields=("certificate", "certificate_year"),
                name="one_annual_fee_per_certificate_year",
            ),
        ),
        migrations.AddConstraint(
            model_name="quote",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("event", "annual_fee"), _negated=True),
                    models.Q(
                        ("certificate__isnull", False), ("certificate_year__gte", 1), ("certificate_year__lte", 3)
                    ),
                    _connector="OR",
                ),
                name="annual_fee_names_its_certificate_year",
            ),
        ),
        migrations.AddConstraint(
            model_name="quote",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("event", "surveillance"), _negated=True),
                    ("surveillance_review__isnull", False),
                    _connector="OR",
                ),
                name="surveillance_quote_names_its_review",
            ),
        ),
        migrations.AddConstraint(
            model_name="quote",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("event", "travel"), _negated=True), ("audit__isnull", False), _connector="OR"
                ),
                name="travel_quote_names_its_audit",
            ),
        ),
        migrations.CreateModel(
            name="FeeReminder",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("step", models.SmallIntegerField(verbose_name="days before the due date (-1: overdue)")),
                ("sent_at", models.DateTimeField(auto_now_add=True, verbose_name="sent")),
                (
                    "quote",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="reminders",
                        to="applications.quote",
                        verbose_name="quote",
                    ),
                ),
            ],
            options={
                "verbose_name": "fee reminder",
                "verbose_name_plural": "fee reminders",
                "constraints": [models.UniqueConstraint(fields=("quote", "step"), name="one_fee_reminder_per_step")],
            },
        ),
    ]
