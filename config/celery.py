import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Every queue, most urgent first (routes: CELERY_TASK_ROUTES in config/settings.py). The
# Procfile and docker-compose.yml run one worker per queue; a worker started with
# `-Q sla,mail,default,reports` serves them all (tests, the smallest set-up).
QUEUES = ("sla", "mail", "default", "reports")

app = Celery("quality")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
