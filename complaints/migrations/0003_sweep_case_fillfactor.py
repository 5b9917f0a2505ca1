from django.db import migrations


class Migration(migrations.Migration):
    """Room for one HOT update of every case row in a page, not one in four.

    0002 set fillfactor 80 so that the sweep's escalation (priority, escalated,
    escalated_at: no indexed column) is a HOT update writing no index entries. But cases
    filed together sit together in the heap and cross their deadlines together: a page of
    ~22 bench-sized rows at 80 % has room for ~5 new row versions, so 3 of 4 escalations
    were ordinary updates writing an entry in each of the case's 12 indexes (measured on
    2,500 adjacent cases: 340-430 ms at 80, 60-80 ms at 50). At 50 every row of a page can
    take one new version in place. The table is ~1.5x larger (363 MB -> ~560 MB per
    million cases); the escalation of a million-case backlog is what it buys.

    Applies to pages written from now on (existing rows move as they are updated or on the
    next VACUUM FULL / pg_repack): no table rewrite, no lock beyond a brief one.
    """

    dependencies = [("complaints", "0002_case_fillfactor")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE complaints_case SET (fillfactor = 50)",
            "ALTER TABLE complaints_case SET (fillfactor = 80)",
        )
    ]
