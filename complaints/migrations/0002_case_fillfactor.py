from django.db import migrations


class Migration(migrations.Migration):
    """Leave room in each page of the case table so the sweep's escalation (priority,
    escalated flag: no indexed column) is a HOT update that writes no index entries."""

    dependencies = [("complaints", "0001_initial")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE complaints_case SET (fillfactor = 80)",
            "ALTER TABLE complaints_case RESET (fillfactor)",
        )
    ]
