from django.db import migrations

# The starting list: the defaults of products.claims (the matcher's tests and bench use the
# same). Staff maintain it in the admin from then on.


def seed(apps, schema_editor):
    from products import claims

    ClaimTerm = apps.get_model("products", "ClaimTerm")
    ClaimPhrase = apps.get_model("products", "ClaimPhrase")
    ClaimTerm.objects.bulk_create(
        [ClaimTerm(text=t.text, category=t.category) for t in claims.DEFAULT_TERMS],
        ignore_conflicts=True,
    )
    ClaimPhrase.objects.bulk_create(
        [ClaimPhrase(text=p.text, kind=p.kind) for p in claims.DEFAULT_PHRASES],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [("products", "0002_standards_claims")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
