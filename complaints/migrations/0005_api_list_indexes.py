from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models
from django.db.models.functions import Least

OPEN = ["new", "assigned", "awaiting_merchant", "awaiting_consumer"]


class Migration(migrations.Migration):
    """Keyset (cursor) pagination of the API case list: newest first, and open cases by
    their nearest running deadline. Neither index holds priority or the escalated flag, so
    the sweep's escalation stays a HOT update (0002). Built concurrently: the case table is
    large and written every minute."""

    atomic = False

    dependencies = [("complaints", "0004_staff_queue_indexes")]

    operations = [
        AddIndexConcurrently(
            model_name="case",
            index=models.Index(fields=["created_at", "id"], name="case_by_created"),
        ),
        AddIndexConcurrently(
            model_name="case",
            index=models.Index(
                models.Case(
                    models.When(
                        status__in=OPEN,
                        then=Least(
                            models.Case(
                                models.When(
                                    models.Q(("first_responded_at__isnull", True)),
                                    then=models.F("response_due_at"),
                                ),
                                default=None,
                            ),
                            models.F("resolution_due_at"),
                            models.Case(
                                models.When(
                                    models.Q(
                                        ("merchant_answered_at__isnull", True),
                                        ("status", "awaiting_merchant"),
                                    ),
                                    then=models.F("merchant_answer_due_at"),
                                ),
                                default=None,
                            ),
                        ),
                    ),
                ),
                models.F("id"),
                condition=models.Q(status__in=OPEN),
                name="case_open_next_deadline",
            ),
        ),
    ]
