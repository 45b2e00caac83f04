"""GridCare settings: one module, every value from the environment with a safe default.

Production differs from `make demo` only through environment variables (see docs/deploy.md).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

# Framework-free and light (no Ibis): the engine's own parser, so settings and engine agree.
from gridcare.metering.engine.url import parse_engine_url, parse_spark_conf

_T = TypeVar("_T")

SRC_DIR = Path(__file__).resolve().parent
PROJECT_DIR = SRC_DIR.parent.parent


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def env_parsed(name: str, default: str, parse: Callable[[str], _T]) -> _T:
    """`parse` of the variable's text; its ValueError becomes an ImproperlyConfigured."""
    raw = env_str(name, default)
    try:
        return parse(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}: {exc}") from exc


def env_local_folder(name: str, default: Path) -> Path:
    """A folder this process can write: a local path (a shared mount is one), existing or
    to be created under a writable folder. A URL (`s3a://…`) is refused rather than read as
    a relative path."""
    raw = env_str(name, str(default))
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", raw):
        raise ImproperlyConfigured(
            f"{name}={raw!r}: only a local folder (or a shared mount) is supported, not a URL"
        )
    path = Path(raw).absolute()
    existing = next(p for p in (path, *path.parents) if p.exists())
    if not existing.is_dir():
        raise ImproperlyConfigured(f"{name}={raw!r}: {existing} is not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ImproperlyConfigured(f"{name}={raw!r}: {existing} is not writable by this user")
    return path


def env_secret(name: str, default: str) -> str:
    """Read a secret from NAME, or from the file named by NAME_FILE (container secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return env_str(name, default)


DATA_DIR = Path(env_str("GRIDCARE_DATA_DIR", str(PROJECT_DIR / "var"))).resolve()
DEBUG = env_bool("GRIDCARE_DEBUG", False)

PRODUCTION = env_bool("GRIDCARE_PRODUCTION", False)

_DEV_SECRET = "gridcare-insecure-development-key-change-me-in-production"
SECRET_KEY = env_secret("GRIDCARE_SECRET_KEY", _DEV_SECRET)
if SECRET_KEY == _DEV_SECRET and PRODUCTION:
    raise ImproperlyConfigured("GRIDCARE_SECRET_KEY must be set in production")

ALLOWED_HOSTS = env_list("GRIDCARE_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("GRIDCARE_CSRF_TRUSTED_ORIGINS", "")
CSRF_FAILURE_VIEW = "gridcare.core.web.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "gridcare.core.third_party_apps.AxesConfig",  # axes, under a translated name
    "gridcare.core",
    "gridcare.grid",
    "gridcare.customers",
    "gridcare.metering",
    "gridcare.notify",
    "gridcare.contact",
    "gridcare.service",
    "django_tasks",
    "gridcare.core.third_party_apps.TasksDatabaseConfig",  # django_tasks_db, likewise
    "gridcare.portal",
    "gridcare.console",
    "gridcare.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "gridcare.core.middleware.RejectNulCharacters",
    "gridcare.core.middleware.DomainErrorPages",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "gridcare.urls"
WSGI_APPLICATION = "gridcare.wsgi.application"
ASGI_APPLICATION = "gridcare.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SRC_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database: one URL; SQLite in WAL mode under DATA_DIR by default ---
DATABASE_URL = env_str("GRIDCARE_DATABASE_URL", f"sqlite:///{DATA_DIR / 'gridcare.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default must work on a fresh clone: make its folder on first use.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file, not Django's in-memory default: worker processes in the tests (and the
    # benchmark) must see the same test database.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-gridcare.sqlite3")}
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "portal:login"

# --- Login throttling (django-axes): lock a username+IP pair after N failures ---
AXES_FAILURE_LIMIT = env_int("GRIDCARE_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("GRIDCARE_LOGIN_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "gridcare.core.auth.lockout_response"
AXES_VERBOSE = False
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

# --- Sessions and cookies ---
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("GRIDCARE_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_AGE = 8 * 3600

# --- I18N: Chinese first, English selectable ---
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [SRC_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files: installed from registries (npm, PyPI), never a CDN ---
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
# WhiteNoise scans STATIC_ROOT at start-up; it must exist even before collectstatic has run.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [
    ("vendor/bootstrap", PROJECT_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", PROJECT_DIR / "node_modules" / "bootstrap-icons" / "font"),
    ("vendor/echarts", PROJECT_DIR / "node_modules" / "echarts" / "dist"),
]
STATICFILES_DIRS = [entry for entry in STATICFILES_DIRS if entry[1].is_dir()]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# --- Privacy: field encryption keys (first encrypts, all decrypt: rotation) ---
FIELD_ENCRYPTION_KEYS = env_list("GRIDCARE_FIELD_ENCRYPTION_KEYS", "")
# Key of the keyed digests that make encrypted values searchable (ID number lookup).
BLIND_INDEX_KEY = env_secret("GRIDCARE_BLIND_INDEX_KEY", "")

# --- API bearer tokens: the longest lifetime a token may be issued with ---
API_TOKEN_MAX_DAYS = env_int("GRIDCARE_API_TOKEN_MAX_DAYS", 365)

# --- Account binding: how verification codes reach the registered mobile ---
# The SMS sender of notify, to the SMS gateway below (docs/architecture.md, "Verification
# codes"); `gridcare.customers.codes.RecordingCodeSender` records instead (tests).
VERIFICATION_CODE_BACKEND = env_str(
    "GRIDCARE_VERIFICATION_CODE_BACKEND", "gridcare.notify.codes.SmsGatewayCodeSender"
)
VERIFICATION_CODE_TTL_SECONDS = env_int("GRIDCARE_VERIFICATION_CODE_TTL", 300)
VERIFICATION_CODE_MAX_ATTEMPTS = env_int("GRIDCARE_VERIFICATION_CODE_MAX_ATTEMPTS", 5)
# Codes per hour to one mobile or account, and from one login or IP address.
VERIFICATION_CODES_PER_HOUR = env_int("GRIDCARE_VERIFICATION_CODES_PER_HOUR", 5)
VERIFICATION_CODES_PER_HOUR_PER_SOURCE = env_int("GRIDCARE_VERIFICATION_CODES_PER_SOURCE", 20)

# --- Meter data warehouse: Parquet under DATA_DIR, queried through Ibis ---
# The engine: `duckdb://` (embedded, default), a Spark master URL as Spark writes it
# (`local[*]`, `spark://host:7077`, `yarn`, `k8s://https://host:6443`) or Spark Connect
# (`sc://host:15002`); Spark's settings as one JSON object. Both are parsed here, so a typo
# stops the process at startup (docs/deploy.md, "Scale-out").
_WAREHOUSE_ENGINE = env_parsed("GRIDCARE_WAREHOUSE_URL", "duckdb://", parse_engine_url)
WAREHOUSE_URL = _WAREHOUSE_ENGINE.url
SPARK_CONF = env_parsed(
    "GRIDCARE_SPARK_CONF", "", lambda raw: parse_spark_conf(raw, _WAREHOUSE_ENGINE.kind)
)
WAREHOUSE_ROOT = env_local_folder("GRIDCARE_WAREHOUSE_ROOT", DATA_DIR / "warehouse")
# Largest body POST /api/v1/metering/readings accepts (a head-end batch, not a bulk load).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("GRIDCARE_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)

# --- Background tasks: django-tasks with the database backend, run by `gridcare worker` ---
# The task row is written through the same connection as the change that causes it, so
# both commit or roll back together (docs/architecture.md, "Notifications").
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default", "notify"],
    }
}

# --- Notifications ---
NOTIFY_BACKENDS = {
    "sms": env_str("GRIDCARE_SMS_BACKEND", "gridcare.notify.channels.sms.HttpSmsBackend"),
    "wechat": env_str(
        "GRIDCARE_WECHAT_BACKEND", "gridcare.notify.channels.wechat.HttpWeChatBackend"
    ),
    "email": env_str("GRIDCARE_EMAIL_BACKEND", "gridcare.notify.channels.email.SmtpEmailBackend"),
    "portal": "gridcare.notify.channels.portal.PortalInboxBackend",
    "app_push": env_str("GRIDCARE_PUSH_BACKEND", "gridcare.notify.channels.push.MqttPushBackend"),
}
# The fake SMS/WeChat gateway (records what it gets, at /_fake-gateway/) is on unless in
# production; the gateway URLs default to it on the demo server, and to nothing in
# production, which refuses to start without a real SMS gateway (`notify.checks`).
NOTIFY_FAKE_GATEWAY = env_bool("GRIDCARE_FAKE_GATEWAY", not PRODUCTION)
NOTIFY_SMS_GATEWAY_URL = env_str(
    "GRIDCARE_SMS_GATEWAY_URL", "" if PRODUCTION else "http://127.0.0.1:8000/_fake-gateway/sms/"
)
NOTIFY_WECHAT_GATEWAY_URL = env_str(
    "GRIDCARE_WECHAT_GATEWAY_URL",
    "" if PRODUCTION else "http://127.0.0.1:8000/_fake-gateway/wechat/",
)
NOTIFY_HTTP_TIMEOUT_SECONDS = float(env_str("GRIDCARE_NOTIFY_HTTP_TIMEOUT", "5"))
NOTIFY_MQTT_HOST = env_str("GRIDCARE_MQTT_HOST", "127.0.0.1")
NOTIFY_MQTT_PORT = env_int("GRIDCARE_MQTT_PORT", 1883)
NOTIFY_MQTT_TOPIC_PREFIX = env_str("GRIDCARE_MQTT_TOPIC_PREFIX", "gridcare")
NOTIFY_QUIET_START = env_str("GRIDCARE_QUIET_START", "22:00")  # Beijing time
NOTIFY_QUIET_END = env_str("GRIDCARE_QUIET_END", "08:00")
NOTIFY_CUSTOMER_DAILY_LIMIT = env_int("GRIDCARE_NOTIFY_DAILY_LIMIT", 10)
NOTIFY_MAX_ATTEMPTS = env_int("GRIDCARE_NOTIFY_MAX_ATTEMPTS", 5)
NOTIFY_RETRY_BASE_SECONDS = env_int("GRIDCARE_NOTIFY_RETRY_BASE_SECONDS", 30)
NOTIFY_LEASE_SECONDS = env_int("GRIDCARE_NOTIFY_LEASE_SECONDS", 120)
NOTIFY_TASK_BATCH = env_int("GRIDCARE_NOTIFY_TASK_BATCH", 100)
# A task row still RUNNING this long after it started lost its worker (`core.background`).
TASKS_LOST_AFTER_SECONDS = env_int("GRIDCARE_TASKS_LOST_AFTER_SECONDS", 900)
NOTIFY_SEND_CONCURRENCY = env_int("GRIDCARE_NOTIFY_SEND_CONCURRENCY", 8)  # per worker
# Messages per second each worker process sends to a gateway (0 = no limit).
NOTIFY_GATEWAY_RATES = {
    channel: env_int(f"GRIDCARE_NOTIFY_RATE_{channel.upper()}", 0)
    for channel in ("sms", "wechat", "email", "app_push")
}
EMAIL_HOST = env_str("GRIDCARE_EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("GRIDCARE_EMAIL_PORT", 25)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env_str("GRIDCARE_EMAIL_FROM", "95598@gridcare.local")

# --- Inbound channels: app id → WeChat token / path of the Alipay app's RSA public key ---
CONTACT_WECHAT_APPS = dict(
    item.split(":", 1) for item in env_list("GRIDCARE_WECHAT_APPS", "") if ":" in item
)
CONTACT_ALIPAY_APPS = dict(
    item.split(":", 1) for item in env_list("GRIDCARE_ALIPAY_APPS", "") if ":" in item
)
CONTACT_WEBHOOK_MAX_BYTES = env_int("GRIDCARE_WEBHOOK_MAX_BYTES", 64 * 1024)
# Shared secret of the SMS gateway's reply callback (HMAC-SHA256); empty refuses all.
CONTACT_SMS_SECRET = env_secret("GRIDCARE_SMS_CALLBACK_SECRET", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("GRIDCARE_LOG_LEVEL", "INFO")},
    # httpx logs every request at INFO: one line per notification sent.
    "loggers": {"axes": {"level": "WARNING"}, "httpx": {"level": "WARNING"}},
}

# --- Working-day SLAs: does the day of acceptance count as the first day? ---
# Default false, the civil-law convention (domain-facts §6; docs/architecture.md,
# "Working calendar"). A company rule may say otherwise.
SLA_COUNT_ACCEPTANCE_DAY = env_bool("GRIDCARE_SLA_COUNT_ACCEPTANCE_DAY", False)

# --- Attachments of work orders (service.services.uploads) ---
# Stored outside the static and web root; only a view that checks the order's scope serves
# them (docs/architecture.md, "Business applications and uploads").
UPLOAD_ROOT = env_local_folder("GRIDCARE_UPLOAD_ROOT", DATA_DIR / "uploads")
UPLOAD_MAX_BYTES = env_int("GRIDCARE_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
if UPLOAD_ROOT.resolve().is_relative_to(Path(STATIC_ROOT).resolve()):
    raise ImproperlyConfigured("GRIDCARE_UPLOAD_ROOT must not lie inside the static root")

# --- Work orders: return visits (回访) and the links in customers' messages ---
# Hours a customer has to rate a resolved order before its visit closes as "no answer".
SERVICE_VISIT_DUE_HOURS = env_int("GRIDCARE_VISIT_DUE_HOURS", 72)
# Where customers open the portal: the origin of links in SMS and WeChat messages.
SERVICE_PORTAL_ORIGIN = env_str("GRIDCARE_PORTAL_ORIGIN", "http://127.0.0.1:8000").rstrip("/")
