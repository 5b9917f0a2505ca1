"""Test items get an English description next to the Chinese one, so the result grid,
reports and exports show each item in the reader's language. The seeded demo standards'
items are given theirs (published items are frozen by a trigger; adding a translation
does not change what an item requires, so the trigger is bypassed for this one update)."""

import pgtrigger
from django.db import migrations, models

# (standard code, requirement code): English description (as in products/demo.py)
ENGLISH = {
    ("food-general", "LABEL"): "Label complete (name, ingredients, producer, date, shelf life)",
    ("food-general", "NET"): "Net content shortfall",
    ("food-general", "MOIST"): "Moisture",
    ("food-general", "PB"): "Lead (as Pb)",
    ("fresh-produce", "PEST"): "Pesticide residues within the GB 2763 limits",
    ("fresh-produce", "TEMP"): "Core temperature on arrival",
    ("fresh-produce", "ROT"): "Share of rotten fruit",
    ("electronics-safety", "CCC"): "Valid CCC certification mark",
    ("electronics-safety", "SAFETY"): "Electrical safety",
    ("electronics-safety", "STANDBY"): "Standby power",
}


def fill_english(apps, schema_editor):
    Requirement = apps.get_model("products", "Requirement")
    with pgtrigger.ignore("products.Requirement:published_requirement_frozen"):
        for (standard, code), text in ENGLISH.items():
            Requirement.objects.filter(
                version__standard__code=standard, code=code, description_en=""
            ).update(description_en=text)


class Migration(migrations.Migration):
    dependencies = [
        ("products", "0007_incident_and_sanction_causes"),
    ]

    operations = [
        migrations.AddField(
            model_name="requirement",
            name="description_en",
            field=models.TextField(blank=True, default="", verbose_name="description (English)"),
        ),
        migrations.AlterField(
            model_name="requirement",
            name="description",
            field=models.TextField(verbose_name="description (Chinese)"),
        ),
        migrations.RunPython(fill_english, migrations.RunPython.noop),
    ]
