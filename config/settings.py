"""Settings, all read from the environment (django-environ).

One switch, DJANGO_PRODUCTION, turns on every production hardening; `manage.py check
--deploy` is clean with it. Unset DATABASE_URL / REDIS_URL are filled in by
`python -m core.embedded` (used by `make run` and `make test`), never silently here.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()

PRODUCTION = env.bool("DJANGO_PRODUCTION", default=False)
DEBUG = env.bool("DJANGO_DEBUG", default=not PRODUCTION)
if PRODUCTION:
    SECRET_KEY = env("DJANGO_SECRET_KEY")
else:
    SECRET_KEY = env(
        "DJANGO_SECRET_KEY",
        default="development-only-key-9c2f1e0b7d4a4f3e8a6b5c4d3e2f1a0b-never-in-production",
    )
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "axes",
    "csp",
    "health_check",
    "core",
    "merchants",
    "products",
    "reviews",
    "inspections",
    "complaints",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "pghistory.middleware.HistoryMiddleware",
    "core.replica.ReplicaReadsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "merchants.portal.SuspendedPortalReadOnlyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
    "axes.middleware.AxesMiddleware",
]

# WhiteNoise serves static files in every mode (runserver's own serving is switched off by
# whitenoise.runserver_nostatic). Outside production it reads them straight from the app
# folders, so the site and the API docs work without collectstatic.
MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = DEBUG and not PRODUCTION

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.navigation",
                "merchants.portal.read_only_banner",
            ],
        },
    },
]

# --- data stores -------------------------------------------------------------------------
if not env("DATABASE_URL", default=""):
    raise ImproperlyConfigured(
        "DATABASE_URL is not set. Run through `make run` / `make test` (they start embedded "
        "PostgreSQL and Redis), or `python -m core.embedded -- <command>`, or set DATABASE_URL "
        "and REDIS_URL to your own servers."
    )
DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A streaming replica (optional): dashboards, reports, exports and API list reads go there
# (core.replica), everything else and every write to the primary.
if env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["core.replica.ReplicaRouter"]
# Behind PgBouncer in transaction mode (docs/scaling.md): consecutive transactions of one
# Django connection may run on different server connections, so no server-side cursors
# (QuerySet.iterator() holds one open across fetches). Everything else the project does is
# transaction-scoped already (advisory xact locks, SET LOCAL / set_config(..., true)).
DB_TRANSACTION_POOLING = env.bool("DB_TRANSACTION_POOLING", default=False)
for _alias in DATABASES:
    DATABASES[_alias]["DISABLE_SERVER_SIDE_CURSORS"] = DB_TRANSACTION_POOLING
# The server itself, past the pooler, for the tools that open sessions of their own
# (pg_dump, pg_restore, psql in manage.py backup / restore: core.backup). Optional.
DATABASES_DIRECT = (
    {"default": env.db("DATABASE_DIRECT_URL")} if env("DATABASE_DIRECT_URL", default="") else {}
)
REPLICA_READ_PATHS = [
    r"^/staff/dashboards/",
    r"^/staff/reports/",
    r"^/staff/risk/",
    r"^/transparency/",
    r"^/api/v1/[\w-]+/$",  # API lists (a detail is read right after a write more often)
    r"^/api/v1/(dashboard|quarterly-snapshots|quarterly-reports|risk-scores)/",
]
READ_YOUR_WRITES_SECONDS = env.int("READ_YOUR_WRITES_SECONDS", default=10)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL")
CACHES = {
    "default": {
        "BACKEND": "core.cache.RedisCache",  # Django's, reusing its Redis clients
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="qg"),
        "TIMEOUT": 300,
    }
}
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# --- Celery ----------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 300
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A key prefix lets several deployments (or test runs) share one Redis database without
# one's workers taking the other's tasks.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "global_keyprefix": env("CELERY_BROKER_KEY_PREFIX", default=""),
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Queues by urgency, each served by its own worker (Procfile, docker-compose.yml): the
# minute sweeps never wait behind a quarterly snapshot or a slow SMTP server. Routes are
# globs over task names, first match wins; anything unrouted runs on "default".
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "complaints.tasks.sweep_sla": {"queue": "sla"},
    "complaints.tasks.sweep_remedies": {"queue": "sla"},
    "merchants.tasks.appeal_deadline_sweep": {"queue": "sla"},
    "core.tasks.maintain_partitions": {"queue": "reports"},
    "core.tasks.*": {"queue": "mail"},
    "*.tasks.notify_*": {"queue": "mail"},
    "*.tasks.send_*": {"queue": "mail"},
    "*.tasks.deliver_*": {"queue": "mail"},
    "complaints.tasks.ingest_mailbox": {"queue": "mail"},
    "reports.tasks.*": {"queue": "reports"},
    "products.tasks.*": {"queue": "reports"},
}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
# Beat only wakes sweeps; deadlines live in PostgreSQL. The DatabaseScheduler copies these
# entries into django-celery-beat's tables, where staff can edit them in the admin.
CELERY_BEAT_SCHEDULE = {
    # Monthly (the 1st, 19:30 UTC): the next months' partitions, then retention.
    "core.maintain-partitions": {
        "task": "core.tasks.maintain_partitions",
        "schedule": crontab(day_of_month=1, hour=19, minute=30),
    },
    "core.deliver-alerts": {"task": "core.tasks.deliver_alerts", "schedule": 60.0},
    # Buyer notices of quality incidents: retries after backoff (new ones wake it at once).
    "complaints.deliver-buyer-notices": {
        "task": "complaints.tasks.deliver_buyer_notices",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
    # 00:10 in Asia/Shanghai: document expiry, re-verification, agreement grace, probation.
    "merchants.daily-document-sweep": {
        "task": "merchants.tasks.daily_document_sweep",
        "schedule": crontab(hour=16, minute=10),
    },
    "merchants.standing-daily-sweep": {
        "task": "merchants.tasks.standing_daily_sweep",
        "schedule": crontab(hour=16, minute=10),  # 00:10 China time
    },
    "merchants.appeal-deadlines": {
        "task": "merchants.tasks.appeal_deadline_sweep",
        "schedule": 900.0,
    },
    "merchants.training-sweep": {
        "task": "merchants.tasks.training_sweep",
        "schedule": 3600.0,
    },
    "reviews.rolling-ratings": {
        "task": "reviews.tasks.compute_rolling_ratings",
        "schedule": 3600.0,
    },
    # 00:20 China time, after the document sweep: selling under an expired document.
    "reviews.expired-document-selling": {
        "task": "reviews.tasks.record_expired_document_selling",
        "schedule": crontab(hour=16, minute=20),
    },
    "reviews.integrity-signals": {
        "task": "reviews.tasks.compute_integrity_signals",
        "schedule": 900.0,
    },
    "inspections.plan-due": {
        "task": "inspections.tasks.plan_due_inspections",
        "schedule": 6 * 3600.0,
    },
    "inspections.lab-accreditations": {
        "task": "inspections.tasks.sweep_lab_accreditations",
        "schedule": crontab(hour=16, minute=40),
    },
    "products.suppliers": {
        "task": "products.tasks.sweep_suppliers",
        "schedule": crontab(hour=16, minute=45),
    },
    # 01:00 China time, after the merchants' and reviews' sweeps: scores, then reviews.
    "reports.risk-recompute": {
        "task": "reports.tasks.risk.recompute_risk_scores",
        "schedule": crontab(hour=17, minute=0),
    },
    "reports.risk-spikes": {"task": "reports.tasks.risk.detect_risk_spikes", "schedule": 3600.0},
    "reports.probation-reviews": {
        "task": "reports.tasks.risk.review_probations",
        "schedule": crontab(hour=17, minute=20),
    },
    # Dashboards read pre-aggregated days; today and yesterday are recomputed every 5 min.
    "reports.daily-figures": {
        "task": "reports.tasks.dashboards.refresh_daily_figures",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
    # 00:30 China time, daily: the last closed quarter gets its frozen snapshot once (the
    # day after a quarter ends; a missed wake-up is caught up the next day).
    "reports.quarterly-snapshot": {
        "task": "reports.tasks.snapshots.quarterly_snapshot",
        "schedule": crontab(hour=16, minute=30),
    },
    "complaints.sweep-sla": {
        "task": "complaints.tasks.sweep_sla",
        "schedule": 60.0,
        # A wake-up older than the next one is worthless: drop it instead of piling up.
        "options": {"expires": 55},
    },
    # Remedy due dates: alerted once, merchant money taken over by the platform.
    "complaints.sweep-remedies": {
        "task": "complaints.tasks.sweep_remedies",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
}

# --- i18n ------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("DISPLAY_TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- static and uploaded files ---------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded files never live under a public folder: they are served by core.views.download.
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "var" / "private")))
# `manage.py backup` writes dated archives here and keeps the newest BACKUP_KEEP of them.
BACKUP_DIR = Path(env("BACKUP_DIR", default=str(BASE_DIR / "var" / "backups")))
BACKUP_KEEP = env.int("BACKUP_KEEP", default=14)
# Partitioned tables (core.partitioning): months created ahead by the monthly task, and the
# retention per table in months (unset or 0 = keep forever). Older partitions are exported
# to gzip CSV files under PARTITION_ARCHIVE_DIR, and only then detached and dropped.
# Ratings are legal records (E-commerce Law art. 39): keep their archive files.
PARTITION_MONTHS_AHEAD = env.int("PARTITION_MONTHS_AHEAD", default=3)
PARTITION_ARCHIVE_DIR = Path(
    env("PARTITION_ARCHIVE_DIR", default=str(BASE_DIR / "var" / "archive"))
)
PARTITION_RETENTION_MONTHS = {
    "reviews_servicerating": env.int("RETENTION_MONTHS_SERVICE_RATINGS", default=0),
    # Decision records are the audit trail (who, when, why): keep their archive files too.
    "core_decision": env.int("RETENTION_MONTHS_DECISIONS", default=0),
    "reports_riskscorehistory": env.int("RETENTION_MONTHS_RISK_HISTORY", default=0),
    # Row history (django-pghistory events): the before/after of the audit trail.
    "reviews_serviceratingevent": env.int("RETENTION_MONTHS_RATING_EVENTS", default=0),
    "reviews_productreviewevent": env.int("RETENTION_MONTHS_REVIEW_EVENTS", default=0),
    "complaints_caseevent": env.int("RETENTION_MONTHS_CASE_EVENTS", default=0),
    "products_productevent": env.int("RETENTION_MONTHS_PRODUCT_EVENTS", default=0),
    "merchants_restrictionevent": env.int("RETENTION_MONTHS_RESTRICTION_EVENTS", default=0),
}
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
UPLOAD_MAX_PIXELS = env.int("UPLOAD_MAX_PIXELS", default=40_000_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024

# --- email -----------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="quality@marketplace.example")
# SMS gateway (core.notify): a class with send_messages(messages); the default logs them.
SMS_BACKEND = env("SMS_BACKEND", default="core.notify.LoggingSMSBackend")

# --- API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"anon": "60/min", "user": "600/min"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Merchant Quality Governance API",
    "DESCRIPTION": "Merchants, products, reviews, complaints, inspections and reports.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a choice field called "kind"; name each enum after its model.
    "ENUM_NAME_OVERRIDES": {
        "RestrictionKindEnum": "merchants.models.merchant.Restriction.Kind",
        "SanctionKindEnum": "merchants.models.standing.Sanction.Kind",
        "ClaimPhraseKindEnum": "products.models.ClaimPhrase.Kind",
        "RequirementKindEnum": "products.models.Requirement.Kind",
        "DefectClassEnum": "inspections.models.DefectClass",
        "InspectionSeverityEnum": "inspections.models.INSPECTION_SEVERITIES",
        "SwitchingSeverityEnum": "inspections.models.Severity",
        "RiskTierEnum": "reports.models.risk.RiskTier",
        "ProbationOutcomeEnum": "reports.models.risk.ProbationEvaluation.Outcome",
        "CaseKindEnum": "complaints.models.CaseKind",
        "CaseStatusEnum": "complaints.models.CaseStatus",
        "CaseChannelEnum": "complaints.models.Case.Channel",
        "CasePriorityEnum": "complaints.models.Priority",
        "CaseOutcomeEnum": "complaints.models.Case.Outcome",
        "CaseAssignStrategyEnum": "complaints.serializers.ASSIGN_STRATEGIES",
        # With the case channel in the schema, the review one needs its own name too.
        "ReviewChannelEnum": "reviews.models.ProductReview.Channel",
        # Two "state" fields in the schema since the rating standings: the snapshot's keeps
        # its name.
        "StateEnum": "reports.models.snapshots.Snapshot.State",
        "RatingStandingStateEnum": "reviews.models.MerchantRatingStanding.State",
        # Sample status and custody step share one choice set (the custody step names).
        "CustodyStepEnum": "inspections.models.CustodyKind",
        "DocumentReasonCodeEnum": "merchants.models.onboarding.Document.Reason",
        "SupplierReasonCodeEnum": "products.models.Supplier.Reason",
        "RemedyKindEnum": "complaints.models.Remedy.Kind",
        "RemedyPayerEnum": "complaints.models.Remedy.Payer",
        "RemedyStatusEnum": "complaints.models.Remedy.Status",
        "RemedyPlatformReasonEnum": "complaints.models.Remedy.PlatformReason",
        "RecoveryStatusEnum": "complaints.models.Recovery.Status",
        "IncidentKindEnum": "complaints.models.QualityIncident.Kind",
        "IncidentStatusEnum": "complaints.models.QualityIncident.Status",
        "IncidentSourceEnum": "complaints.models.QualityIncident.Source",
        "BuyerNoticeStatusEnum": "complaints.models.BuyerNotice.Status",
        "QualityNoticeStatusEnum": "complaints.models.QualityNotice.Status",
    },
}

# --- security --------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 1  # hours
# A username from one address, and an address across usernames (password spraying).
AXES_LOCKOUT_PARAMETERS = ["ip_address", ["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
# Behind a proxy the client address is the first hop the proxy appends; only trust it
# when told to, otherwise anybody could rotate X-Forwarded-For to dodge limits.
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=False)
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    RATELIMIT_IP_META_KEY = "core.middleware.client_ip"
    AXES_IPWARE_PROXY_COUNT = 1
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
RATELIMIT_ENABLE = env.bool("RATELIMIT_ENABLE", default=True)
RATELIMIT_VIEW = "core.views.ratelimited"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- logging ---------------------------------------------------------------------------
LOG_FORMAT = env("LOG_FORMAT", default="json" if PRODUCTION else "plain")
# Path prefixes whose next segment is a secret link token (masked in logs).
LOG_MASKED_PATH_PREFIXES = ("/complaints/case/", "/review/")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
        },
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    # Link tokens never reach a log line (core.logging): every handler has the filter.
    "filters": {"mask_tokens": {"()": "core.logging.MaskTokensFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["mask_tokens"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # runserver's access log, through the masking handler too.
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# --- health ---------------------------------------------------------------------------
# /health/ gives anonymous callers a bare status, recomputed at most this often per process;
# staff or a caller sending this token in X-Health-Token see each component.
HEALTH_TOKEN = env("HEALTH_TOKEN", default="")
HEALTH_CACHE_SECONDS = env.float("HEALTH_CACHE_SECONDS", default=5.0)

# --- governance defaults ---------------------------------------------------------------
DISPLAY_NAME = _("Merchant Quality Governance")

# --- complaints intake -----------------------------------------------------------------
# Public complaint/report forms: posts per client address and per consumer contact. Keep
# them on in production; the load bench raises them (named so in its figure).
COMPLAINTS_RATE_PER_IP = env("COMPLAINTS_RATE_PER_IP", default="10/h")
COMPLAINTS_RATE_PER_CONTACT = env("COMPLAINTS_RATE_PER_CONTACT", default="5/h")
# The case lookup page (re-send the tracking link): per client address, per contact typed,
# per case reference.
COMPLAINTS_LOOKUP_RATE_PER_IP = env("COMPLAINTS_LOOKUP_RATE_PER_IP", default="20/h")
COMPLAINTS_LOOKUP_RATE_PER_CONTACT = env("COMPLAINTS_LOOKUP_RATE_PER_CONTACT", default="5/h")
COMPLAINTS_LOOKUP_RATE_PER_REFERENCE = env("COMPLAINTS_LOOKUP_RATE_PER_REFERENCE", default="5/h")
# Replies and ratings on an existing case: separate, higher limits than new filings.
COMPLAINTS_FOLLOWUP_RATE_PER_IP = env("COMPLAINTS_FOLLOWUP_RATE_PER_IP", default="60/h")
COMPLAINTS_FOLLOWUP_RATE_PER_CASE = env("COMPLAINTS_FOLLOWUP_RATE_PER_CASE", default="30/h")
# A consumer's tracking link stops working this many days after the case closed.
COMPLAINTS_LINK_DAYS_AFTER_CLOSE = env.int("COMPLAINTS_LINK_DAYS_AFTER_CLOSE", default=90)
# The complaints mailbox: maildir:///path, mbox:///path or imaps://user:pass@host/INBOX.
# Empty: no ingestion (manage.py ingest_complaint_mail --mailbox ... still works).
COMPLAINTS_MAILBOX = env("COMPLAINTS_MAILBOX", default="")
if COMPLAINTS_MAILBOX:
    CELERY_BEAT_SCHEDULE["complaints.ingest-mailbox"] = {
        "task": "complaints.tasks.ingest_mailbox",
        "schedule": env.float("COMPLAINTS_MAILBOX_EVERY", default=300.0),
        "options": {"expires": 240},
    }
