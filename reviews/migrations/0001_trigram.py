from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    """pg_trgm: similarity() for near-duplicate review text, with a GIN index."""

    dependencies = []

    operations = [TrigramExtension()]
