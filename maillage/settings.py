"""Django settings for Maillage, read from environment variables.

MAILLAGE_ENV selects the profile: ``development`` (default, SQLite, debug),
``production`` (every secret required, secure cookies) or ``test``.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url
import dj_email_url
from django.core.exceptions import ImproperlyConfigured

from maillage.core.identifiers import siren_error
from maillage.env import env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(env_str("MAILLAGE_VAR_DIR", str(PROJECT_DIR / "var")))

ENVIRONMENT = env_choice("MAILLAGE_ENV", "development", {"development", "production", "test"})
PRODUCTION = ENVIRONMENT == "production"
TESTING = ENVIRONMENT == "test"

DEBUG = env_bool("DEBUG", default=ENVIRONMENT == "development")
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG=true est interdit quand MAILLAGE_ENV=production.")

SECRET_KEY = env_str("SECRET_KEY", required=PRODUCTION) or "insecure-development-key-not-for-production"
if PRODUCTION and len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY doit compter au moins 50 caractères aléatoires en production.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS est obligatoire en production (liste séparée par des virgules)."
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# The home territory: the EPCI this instance serves (default: Métropole du Grand Paris).
HOME_EPCI_SIREN = env_str("MAILLAGE_HOME_EPCI_SIREN", "200054781")
if error := siren_error(HOME_EPCI_SIREN):
    raise ImproperlyConfigured(f"MAILLAGE_HOME_EPCI_SIREN : {error}")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "axes",
    "auditlog",
    "django_tasks",
    "django_tasks_db",
    "maillage.core",
    "maillage.accounts",
    "maillage.themes",
    "maillage.territories",
    "maillage.organizations",
    "maillage.people",
    "maillage.interactions",
    "maillage.outbox",
    "maillage.cooperation",
    "maillage.agreements",
    "maillage.diffusion",
    "maillage.meetings",
    "maillage.innovation",
    "maillage.commons",
    "maillage.programmes",
    "maillage.community",
    "maillage.watch",
    "maillage.agreement_templates",
    "maillage.api",
    "maillage.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "axes.middleware.AxesMiddleware",
]

if PRODUCTION:
    # Static files straight from the web process in production; runserver serves them in development.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "maillage.urls"
WSGI_APPLICATION = "maillage.wsgi.application"
ASGI_APPLICATION = "maillage.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "maillage.core.context_processors.maillage",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'maillage.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0 if not PRODUCTION else 60, minimum=0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if DATABASES["default"]["NAME"] not in ("", ":memory:"):
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL and a busy timeout let the web process and the worker share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:home"

# Lockout after repeated failed logins (django-axes), per user name and address.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15, minimum=1) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Behind N reverse proxies, the client address is the N-th from the right of X-Forwarded-For.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
if TRUSTED_PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600, minimum=300)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LANGUAGE_CODE = "fr"
# The interface is French; msgids are English so that the code reads in one language.
LANGUAGES = [("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))

# Uploaded files: local disk by default, any S3-compatible object storage in production.
STORAGE_BACKEND = env_choice("MAILLAGE_STORAGE", "local", {"local", "s3"})
_default_storage: dict = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
if STORAGE_BACKEND == "s3":
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env_str("S3_BUCKET", required=True),
            "endpoint_url": env_str("S3_ENDPOINT_URL") or None,
            "region_name": env_str("S3_REGION") or None,
            "access_key": env_str("S3_ACCESS_KEY", required=True),
            "secret_key": env_str("S3_SECRET_KEY", required=True),
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Email: EMAIL_URL such as smtp://user:pass@host:587/?tls=True; console in development.
_email_url = env_str("EMAIL_URL", "console:", required=PRODUCTION)
try:
    _email = dj_email_url.parse(_email_url)
    EMAIL_BACKEND = _email["EMAIL_BACKEND"]
except Exception as exc:  # dj-email-url raises bare exceptions or omits the backend on unknown schemes
    raise ImproperlyConfigured(
        f"EMAIL_URL={_email_url!r} n'est pas une adresse de serveur courriel valide "
        "(exemples : smtp://utilisateur:motdepasse@hote:587/?tls=True, console:)."
    ) from exc
EMAIL_HOST = _email["EMAIL_HOST"]
EMAIL_PORT = _email["EMAIL_PORT"]
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"]
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"]
EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20, minimum=1)
DEFAULT_FROM_EMAIL = env_str(
    "DEFAULT_FROM_EMAIL", "Maillage <ne-pas-repondre@maillage.localhost>", required=PRODUCTION
)

# Cache: per process by default; shared (database or Redis) when several web processes run,
# so that a referential import is seen by all of them at once.
CACHE_BACKEND = env_choice(
    "CACHE_BACKEND", "database" if PRODUCTION else "locmem", {"locmem", "database", "redis"}
)
CACHES = {
    "default": {
        "locmem": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "database": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "maillage_cache"},
        "redis": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env_str("REDIS_URL", "redis://127.0.0.1:6379/0"),
        },
    }[CACHE_BACKEND]
}

# Background work: Django's tasks API (backport) with the durable database worker.
TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["maillage.core.access.DeclaredRulePermission"],
    "DEFAULT_PAGINATION_CLASS": "maillage.api.pagination.StandardPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "API Maillage",
    "DESCRIPTION": "API de lecture du référentiel territorial et de l'annuaire de Maillage.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Several models have a "kind" field with their own choices: one named enum each.
    "ENUM_NAME_OVERRIDES": {
        "OrganizationKindEnum": "maillage.organizations.models.OrganizationKind",
        "SolutionKindEnum": "maillage.innovation.models.SolutionKind",
        "EventKindEnum": "maillage.community.models.EventKind",
    },
}

# Personal data: people without interaction for this long are anonymised by the purge.
RETENTION_DAYS = env_int("MAILLAGE_RETENTION_DAYS", 3 * 365, minimum=30)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING" if TESTING else "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}

# Periodic jobs enqueued by `manage.py run_scheduler` (seconds between two runs).
PERIODIC_JOBS = {
    "purge-expired-people": {"task": "maillage.people.tasks.purge_expired_people", "every": 24 * 3600},
}

# Conventions: above this total amount (€), a second agent validates before signature (four-eyes rule).
AGREEMENT_FOUR_EYES_THRESHOLD = env_int("AGREEMENT_FOUR_EYES_THRESHOLD", 100_000, minimum=0)
# Alerts e-mailed this many days before an expiry, a notice deadline or an obligation.
AGREEMENT_ALERT_DAYS = env_list("AGREEMENT_ALERT_DAYS", ["60", "30", "7"])
if not all(day.isdigit() for day in AGREEMENT_ALERT_DAYS):
    raise ImproperlyConfigured(
        "AGREEMENT_ALERT_DAYS : nombres de jours séparés par des virgules attendus (ex. 60,30,7)."
    )
AGREEMENT_ALERT_DAYS = sorted({int(day) for day in AGREEMENT_ALERT_DAYS}, reverse=True)
PERIODIC_JOBS["agreement-deadline-alerts"] = {
    "task": "maillage.agreements.tasks.send_deadline_alerts",
    "every": 24 * 3600,
}
# Outbox: every e-mail is a row first; the sender drains it (see maillage/outbox/sender.py).
OUTBOX_RATE = env_int("OUTBOX_RATE", 20, minimum=0)  # messages per second, 0 = unthrottled
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 6, minimum=1)
OUTBOX_LEASE_SECONDS = env_int("OUTBOX_LEASE_SECONDS", 300, minimum=30)
OUTBOX_TASK_SECONDS = env_int("OUTBOX_TASK_SECONDS", 50, minimum=5)
PERIODIC_JOBS["outbox-send"] = {"task": "maillage.outbox.tasks.send_outbox", "every": 60}
PERIODIC_JOBS["meeting-reminders"] = {
    "task": "maillage.meetings.tasks.send_meeting_reminders",
    "every": 24 * 3600,
}
PERIODIC_JOBS["send-scheduled-newsletters"] = {
    "task": "maillage.diffusion.tasks.send_scheduled_newsletters",
    "every": 300,
}
# Personal data in e-mails: delivered or abandoned messages are deleted after this many days;
# unconfirmed or unsubscribed public subscriptions after SUBSCRIBER_RETENTION_DAYS.
OUTBOX_RETENTION_DAYS = env_int("OUTBOX_RETENTION_DAYS", 90, minimum=1)
SUBSCRIBER_RETENTION_DAYS = env_int("SUBSCRIBER_RETENTION_DAYS", 30, minimum=1)
COMMUNITY_REGISTRATION_RETENTION_DAYS = env_int("COMMUNITY_REGISTRATION_RETENTION_DAYS", 180, minimum=1)
PERIODIC_JOBS["community-purge-registrations"] = {
    "task": "maillage.community.tasks.purge_past_registrations",
    "every": 24 * 3600,
}
# Watch (veille): the job runs often; each source is fetched only when its own interval has elapsed.
PERIODIC_JOBS["watch-fetch-sources"] = {"task": "maillage.watch.tasks.fetch_due_sources", "every": 300}
WATCH_CONNECT_TIMEOUT = env_int("WATCH_CONNECT_TIMEOUT", 5, minimum=1)  # seconds
WATCH_READ_TIMEOUT = env_int("WATCH_READ_TIMEOUT", 15, minimum=1)  # seconds between two chunks
WATCH_TOTAL_SECONDS = env_int("WATCH_TOTAL_SECONDS", 60, minimum=5)  # for a whole feed
WATCH_MAX_BYTES = env_int("WATCH_MAX_BYTES", 5 * 1024 * 1024, minimum=64 * 1024)  # decompressed
WATCH_MAX_REDIRECTS = env_int("WATCH_MAX_REDIRECTS", 3, minimum=0)
# Feeds on loopback or private addresses: only in development (a feed URL must never reach the intranet).
WATCH_ALLOW_PRIVATE_HOSTS = env_bool("WATCH_ALLOW_PRIVATE_HOSTS", default=DEBUG)
PERIODIC_JOBS["purge-outbox"] = {"task": "maillage.outbox.tasks.purge_outbox", "every": 24 * 3600}
PERIODIC_JOBS["purge-subscribers"] = {
    "task": "maillage.diffusion.tasks.purge_subscribers",
    "every": 24 * 3600,
}

# Largest convention document accepted (the reverse proxy must accept bodies this large).
AGREEMENT_DOCUMENT_MAX_MB = env_int("AGREEMENT_DOCUMENT_MAX_MB", 20, minimum=1)
# Public address of the site, for links in e-mails (e.g. https://maillage.example.fr).
SITE_URL = env_str("SITE_URL", "").rstrip("/")
