"""The seeded indicator set's name carried its own bilingual mark, "（占位分值 / placeholder points）", which showed
English on Chinese pages. The mark now comes from has_placeholder_points, translated (IndicatorSet.__str__), so the
name keeps only the name (issue 15, point 8). Only the seeded name is changed; a set named otherwise is left as is."""

from django.db import migrations

MARKED = "GB/T 27922-2011 评价指标（占位分值 / placeholder points）"
PLAIN = "GB/T 27922-2011 评价指标"


def drop_mark(apps, schema_editor):
    apps.get_model("audits", "IndicatorSet").objects.filter(name=MARKED).update(name=PLAIN)


def restore_mark(apps, schema_editor):
    apps.get_model("audits", "IndicatorSet").objects.filter(name=PLAIN, has_placeholder_points=True).update(name=MARKED)


class Migration(migrations.Migration):
    dependencies = [("audits", "0006_sanitised_pdf_hash")]

    operations = [migrations.RunPython(drop_mark, restore_mark)]
