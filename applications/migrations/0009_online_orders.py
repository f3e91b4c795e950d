# Online payment orders (WeChat Pay, Alipay) and their two payment methods.

from decimal import Decimal

import django.db.models.deletion
from django.db import migrations, models

METHODS = [
    ("bank_transfer", "Bank transfer"),
    ("sandbox", "Online (sandbox)"),
    ("wechat", "WeChat Pay"),
    ("alipay", "Alipay"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0008_sanitised_pdf_hash"),
    ]

    operations = [
        migrations.AlterField(
            model_name="payment",
            name="method",
            field=models.CharField(choices=METHODS, default="bank_transfer", max_length=20, verbose_name="method"),
        ),
        migrations.AlterField(
            model_name="historicalpayment",
            name="method",
            field=models.CharField(choices=METHODS, default="bank_transfer", max_length=20, verbose_name="method"),
        ),
        migrations.CreateModel(
            name="OnlineOrder",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("provider", models.CharField(max_length=20, verbose_name="provider")),
                ("out_trade_no", models.CharField(max_length=32, unique=True, verbose_name="order number")),
                ("amount", models.DecimalField(decimal_places=2, max_digits=12, verbose_name="amount (CNY)")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("open", "Awaiting payment"),
                            ("paid", "Paid"),
                            ("closed", "Closed"),
                            ("refunded", "Refunded"),
                        ],
                        default="open",
                        max_length=20,
                        verbose_name="status",
                    ),
                ),
                ("pay_url", models.CharField(blank=True, max_length=1000, verbose_name="payment address")),
                ("transaction_id", models.CharField(blank=True, max_length=64, verbose_name="provider transaction id")),
                (
                    "refunded_amount",
                    models.DecimalField(
                        decimal_places=2, default=Decimal("0.00"), max_digits=12, verbose_name="refunded (CNY)"
                    ),
                ),
                ("expires_at", models.DateTimeField(verbose_name="expires")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated")),
                ("last_queried_at", models.DateTimeField(blank=True, null=True, verbose_name="last queried")),
                (
                    "payment",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="online_orders",
                        to="applications.payment",
                        verbose_name="payment",
                    ),
                ),
            ],
            options={
                "verbose_name": "online payment order",
                "verbose_name_plural": "online payment orders",
                "ordering": ["-created_at", "-pk"],
            },
        ),
    ]
