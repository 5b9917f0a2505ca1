"""Minimal Django settings for django-helpdesk, used only by bench/helpdesk_compare.py.

Runs in its own venv (var/bench-helpdesk/.venv, bench/helpdesk/requirements.txt) against
its own database on the project's PostgreSQL server, given by BENCH_HELPDESK_DB_NAME,
_HOST (a name, an address or a socket directory), _PORT, _USER and _PASSWORD. Nothing
here is imported by the project.
"""

import os

SECRET_KEY = "bench-only-not-secret"
DEBUG = False
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"
ALLOWED_HOSTS = ["localhost"]
SITE_ID = 1
ROOT_URLCONF = "bench.helpdesk.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",  # helpdesk builds ticket links in e-mails from the site
    "django.contrib.humanize",
    "rest_framework",
    "helpdesk",
]
# No pinax-teams: the knowledge base's team support plays no part in escalation.
HELPDESK_TEAMS_MODE_ENABLED = False

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
STATIC_URL = "/static/"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ["BENCH_HELPDESK_DB_NAME"],
        "USER": os.environ.get("BENCH_HELPDESK_DB_USER", ""),
        "PASSWORD": os.environ.get("BENCH_HELPDESK_DB_PASSWORD", ""),
        "HOST": os.environ.get("BENCH_HELPDESK_DB_HOST", ""),
        "PORT": os.environ.get("BENCH_HELPDESK_DB_PORT", ""),
    }
}

# The escalation notices helpdesk would send are rendered and dropped, not delivered:
# the project's sweep does not send mail inline either (delivery is a separate task).
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
LOGGING = {"version": 1, "disable_existing_loggers": False}
