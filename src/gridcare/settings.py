"""GridCare settings: one module, every value from the environment with a safe default.

Production differs from `make demo` only through environment variables (see docs/deploy.md).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
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
    "gridcare.billing",
    "gridcare.outages",
    "gridcare.service",
    "gridcare.assistant",
    "gridcare.monitoring",
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

# --- Billing runs (billing.services.run; docs/architecture.md, "Billing: runs and bills") ---
# Days from a bill's issue to its due date.
BILLING_DUE_DAYS = env_int("GRIDCARE_BILLING_DUE_DAYS", 15)
# Share of a billing period's 15-minute readings a meter must have (after the import's gap
# fill) for the period to be billed on what it has; below it the account is held.
BILLING_MIN_COVERAGE = env_parsed("GRIDCARE_BILLING_MIN_COVERAGE", "0.95", float)
if not 0 < BILLING_MIN_COVERAGE <= 1:
    raise ImproperlyConfigured("GRIDCARE_BILLING_MIN_COVERAGE must be in (0, 1]")

# --- Billing: arrears and prepaid (billing.services.cycle; docs/architecture.md "Billing:
# arrears and prepaid"). Rates and days are policy (domain-facts §3.1–3.2): settings, not code.


def _decimal(raw: str) -> Decimal:
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:
        raise ValueError(f"{raw!r} is not a number") from exc
    if not value.is_finite() or value < 0:
        raise ValueError(f"{raw!r} must be a number ≥ 0")
    return value


def _decimals(raw: str) -> tuple[Decimal, ...]:
    return tuple(sorted({_decimal(item.strip()) for item in raw.split(",") if item.strip()}))


def _days(raw: str) -> tuple[int, ...]:
    try:
        days = sorted({int(item) for item in raw.split(",") if item.strip()})
    except ValueError as exc:
        raise ValueError(f"{raw!r}: whole numbers of days, comma-separated") from exc
    if any(day < 1 for day in days):
        raise ValueError(f"{raw!r}: days must be ≥ 1")
    return tuple(days)


# Late-payment fee per day of the unpaid amount (电费违约金, §3.1): residential 1‰;
# non-residential 2‰ on arrears of the current year, 3‰ on arrears carried over from an
# earlier year; a bill's fee below the minimum is charged as the minimum (¥1 in the 1996 text).
BILLING_LATE_FEE_RESIDENTIAL = env_parsed(
    "GRIDCARE_BILLING_LATE_FEE_RESIDENTIAL", "0.001", _decimal
)
BILLING_LATE_FEE_CURRENT_YEAR = env_parsed(
    "GRIDCARE_BILLING_LATE_FEE_CURRENT_YEAR", "0.002", _decimal
)
BILLING_LATE_FEE_CARRIED_OVER = env_parsed(
    "GRIDCARE_BILLING_LATE_FEE_CARRIED_OVER", "0.003", _decimal
)
BILLING_LATE_FEE_MINIMUM = env_parsed("GRIDCARE_BILLING_LATE_FEE_MINIMUM", "1.00", _decimal)
# Reminders N days after the due date (each sent once per bill).
BILLING_REMINDER_DAYS = env_parsed("GRIDCARE_BILLING_REMINDER_DAYS", "1,10", _days)
# A disconnection notice once the oldest unpaid bill is this many days overdue (and was
# reminded), planned this many days ahead (§3.2: residential 7, non-residential 3).
BILLING_NOTICE_AFTER_DAYS = env_int("GRIDCARE_BILLING_NOTICE_AFTER_DAYS", 30)
BILLING_NOTICE_DAYS_RESIDENTIAL = env_int("GRIDCARE_BILLING_NOTICE_DAYS_RESIDENTIAL", 7)
BILLING_NOTICE_DAYS_NON_RESIDENTIAL = env_int("GRIDCARE_BILLING_NOTICE_DAYS_NON_RESIDENTIAL", 3)
# Prepaid (费控): days a balance may stay negative before disconnection is requested; the
# balances below which a low-balance notice goes out (once per crossing); how many past
# days the daily deduction catches up when readings arrived late.
BILLING_PREPAID_GRACE_DAYS = env_int("GRIDCARE_BILLING_PREPAID_GRACE_DAYS", 3)
BILLING_LOW_BALANCE_THRESHOLDS = env_parsed(
    "GRIDCARE_BILLING_LOW_BALANCE_THRESHOLDS", "50,20,0", _decimals
)
BILLING_PREPAID_CATCHUP_DAYS = env_int("GRIDCARE_BILLING_PREPAID_CATCHUP_DAYS", 7)
# --- Outages (gridcare.outages; docs/data-formats.md "Power events") ---
# The listener subscribes to <prefix>/events/# at QoS 1 with a persistent session
# (client id OUTAGES_MQTT_CLIENT_ID), on the broker of NOTIFY_MQTT_HOST/PORT.
OUTAGES_MQTT_TOPIC_PREFIX = env_str("GRIDCARE_OUTAGES_MQTT_TOPIC_PREFIX", "gridcare/outages")
OUTAGES_MQTT_CLIENT_ID = env_str("GRIDCARE_OUTAGES_MQTT_CLIENT_ID", "gridcare-outages-listener")
# Events are stored in batches of up to this many, or after this many milliseconds.
OUTAGES_INGEST_BATCH = env_int("GRIDCARE_OUTAGES_INGEST_BATCH", 2000)
OUTAGES_INGEST_FLUSH_MS = env_int("GRIDCARE_OUTAGES_INGEST_FLUSH_MS", 200)
OUTAGES_DEAD_LETTER_MAX_BYTES = env_int("GRIDCARE_OUTAGES_DEAD_LETTER_MAX_BYTES", 4096)
# A device time further ahead of the receiving clock than this is dead-lettered (clock_skew).
OUTAGES_MAX_CLOCK_SKEW_MINUTES = env_int("GRIDCARE_OUTAGES_MAX_CLOCK_SKEW_MINUTES", 60)
# A payload larger than this is dead-lettered (oversized); an HTTP batch holds at most
# OUTAGES_HTTP_MAX_EVENTS events. A device time further back than MAX_EVENT_AGE_HOURS is a
# reset clock (clock_skew); events that waited in the broker for a stopped listener are
# younger than that and are stored.
OUTAGES_EVENT_MAX_BYTES = env_int("GRIDCARE_OUTAGES_EVENT_MAX_BYTES", 2048)
OUTAGES_HTTP_MAX_EVENTS = env_int("GRIDCARE_OUTAGES_HTTP_MAX_EVENTS", 10_000)
OUTAGES_MAX_EVENT_AGE_HOURS = env_int("GRIDCARE_OUTAGES_MAX_EVENT_AGE_HOURS", 72)
# The listener's device directory (meter/terminal → 台区, feeder) is reloaded for an id it
# does not know, and wholly after this many seconds (a meter moved to another 台区).
OUTAGES_DIRECTORY_MAX_AGE_SECONDS = env_int("GRIDCARE_OUTAGES_DIRECTORY_MAX_AGE_SECONDS", 300)
# MQTT v5 session expiry: the broker keeps the listener's subscription and queues its
# QoS 1 messages this long while it is down (a restart loses nothing).
OUTAGES_MQTT_SESSION_EXPIRY_SECONDS = env_int(
    "GRIDCARE_OUTAGES_MQTT_SESSION_EXPIRY_SECONDS", 7 * 24 * 3600
)
# Correlation: events within the window are judged together; a 台区 is out when this share
# of its meters is off (or its terminal is); a feeder when this share of its 台区 is out
# and at least FEEDER_MIN_TRANSFORMERS of them.
OUTAGES_WINDOW_SECONDS = env_int("GRIDCARE_OUTAGES_WINDOW_SECONDS", 300)
OUTAGES_TRANSFORMER_SHARE = env_parsed("GRIDCARE_OUTAGES_TRANSFORMER_SHARE", "0.6", float)
OUTAGES_FEEDER_SHARE = env_parsed("GRIDCARE_OUTAGES_FEEDER_SHARE", "0.5", float)
OUTAGES_FEEDER_MIN_TRANSFORMERS = env_int("GRIDCARE_OUTAGES_FEEDER_MIN_TRANSFORMERS", 2)
# Interruptions shorter than this are momentary: not counted in the reliability indices.
OUTAGES_SUSTAINED_MINUTES = env_int("GRIDCARE_OUTAGES_SUSTAINED_MINUTES", 3)
# Notice rules (domain-facts §1): planned maintenance this many days ahead, temporary
# maintenance this many hours ahead to important customers; reminders this many hours
# before the start.
OUTAGES_PLANNED_NOTICE_DAYS = env_int("GRIDCARE_OUTAGES_PLANNED_NOTICE_DAYS", 7)
OUTAGES_TEMPORARY_NOTICE_HOURS = env_int("GRIDCARE_OUTAGES_TEMPORARY_NOTICE_HOURS", 24)
OUTAGES_REMINDER_HOURS = env_parsed("GRIDCARE_OUTAGES_REMINDER_HOURS", "24,2", _days)
# Detection (outages.services.detect): a 台区 needs at least this many of its meters off
# (besides the share) unless its terminal is off — one meter alone is a customer fault.
OUTAGES_TRANSFORMER_MIN_METERS = env_int("GRIDCARE_OUTAGES_TRANSFORMER_MIN_METERS", 2)
# A lone off meter is recorded as a possible customer fault once its power_off is this old
# (in a storm the first meters of a 台区 report before their neighbours).
OUTAGES_CUSTOMER_FAULT_SETTLE_SECONDS = env_int(
    "GRIDCARE_OUTAGES_CUSTOMER_FAULT_SETTLE_SECONDS", 60
)
# ETR: the median of at least this many similar past outages of the last HISTORY_DAYS,
# else DEFAULT_MINUTES (stated as such in the outage's etr_basis).
OUTAGES_ETR_MIN_SAMPLES = env_int("GRIDCARE_OUTAGES_ETR_MIN_SAMPLES", 3)
OUTAGES_ETR_HISTORY_DAYS = env_int("GRIDCARE_OUTAGES_ETR_HISTORY_DAYS", 730)
OUTAGES_ETR_DEFAULT_MINUTES = env_int("GRIDCARE_OUTAGES_ETR_DEFAULT_MINUTES", 120)
# Reliability: major event days (IEEE 1366 2.5 beta) are judged against this many days of
# history up to the report's end (the standard uses five years).
OUTAGES_MED_BASELINE_DAYS = env_int("GRIDCARE_OUTAGES_MED_BASELINE_DAYS", 5 * 365)
# Planned outages: how often the periodic job starts, reminds and ends them (seconds).
OUTAGES_PLANNED_TICK_SECONDS = env_int("GRIDCARE_OUTAGES_PLANNED_TICK_SECONDS", 60)
# --- Payments (billing.payments): WeChat Pay API v3, Alipay, and the demo gateway ---
# docs/deploy.md "Payment keys". The demo gateway (at /_demo-pay/) speaks both providers'
# protocols with keys generated on first use under PAY_DEMO_KEYS_DIR; any pay setting left
# empty then falls back to the demo value, so the demo runs the production code path.
# It is off in production, and `gridcare check --deploy` fails while it is on or while a
# provider runs on demo keys (`billing.checks`).
PAY_DEMO_GATEWAY = env_bool("GRIDCARE_PAY_DEMO_GATEWAY", not PRODUCTION)
PAY_DEMO_KEYS_DIR = Path(env_str("GRIDCARE_PAY_DEMO_KEYS_DIR", str(DATA_DIR / "paykeys")))
PAY_DEMO_GATEWAY_DB = Path(
    env_str("GRIDCARE_PAY_DEMO_GATEWAY_DB", str(DATA_DIR / "demo-pay-gateway.sqlite3"))
)
PAY_DEMO_GATEWAY_URL = env_str(
    "GRIDCARE_PAY_DEMO_GATEWAY_URL", f"{SERVICE_PORTAL_ORIGIN}/_demo-pay"
).rstrip("/")
# The demo gateway sends each callback again this many seconds later (0: once), so the
# demo shows a duplicate delivery being recognised.
PAY_DEMO_REDELIVER_SECONDS = env_int("GRIDCARE_PAY_DEMO_REDELIVER_SECONDS", 3)
PAY_PROVIDERS = env_list("GRIDCARE_PAY_PROVIDERS", "wechat,alipay")
# Where the providers post callbacks: this site's public origin (https in production).
PAY_CALLBACK_ORIGIN = env_str("GRIDCARE_PAY_CALLBACK_ORIGIN", SERVICE_PORTAL_ORIGIN).rstrip("/")
PAY_WECHAT_GATEWAY = env_str("GRIDCARE_PAY_WECHAT_GATEWAY", "")  # default: the real API
PAY_WECHAT_MCHID = env_str("GRIDCARE_PAY_WECHAT_MCHID", "")
PAY_WECHAT_APPID = env_str("GRIDCARE_PAY_WECHAT_APPID", "")
PAY_WECHAT_PRIVATE_KEY = env_str("GRIDCARE_PAY_WECHAT_PRIVATE_KEY", "")  # path of the PEM
PAY_WECHAT_CERT_SERIAL = env_str("GRIDCARE_PAY_WECHAT_CERT_SERIAL", "")
PAY_WECHAT_APIV3_KEY = env_secret("GRIDCARE_PAY_WECHAT_APIV3_KEY", "")
# The platform's key that signs callbacks: a public key with its id (PUB_KEY_ID_…) …
PAY_WECHAT_PLATFORM_PUBLIC_KEY = env_str("GRIDCARE_PAY_WECHAT_PLATFORM_PUBLIC_KEY", "")
PAY_WECHAT_PLATFORM_PUBLIC_KEY_ID = env_str("GRIDCARE_PAY_WECHAT_PLATFORM_PUBLIC_KEY_ID", "")
# … or platform certificates (PEM paths; the serial comes from each certificate).
PAY_WECHAT_PLATFORM_CERTS = env_list("GRIDCARE_PAY_WECHAT_PLATFORM_CERTS", "")
PAY_ALIPAY_GATEWAY = env_str("GRIDCARE_PAY_ALIPAY_GATEWAY", "")  # default: the real gateway
PAY_ALIPAY_APPID = env_str("GRIDCARE_PAY_ALIPAY_APPID", "")
PAY_ALIPAY_PRIVATE_KEY = env_str("GRIDCARE_PAY_ALIPAY_PRIVATE_KEY", "")  # the app's, PEM path
PAY_ALIPAY_PUBLIC_KEY = env_str("GRIDCARE_PAY_ALIPAY_PUBLIC_KEY", "")  # Alipay's, PEM path
PAY_HTTP_TIMEOUT_SECONDS = env_int("GRIDCARE_PAY_HTTP_TIMEOUT", 10)
# An online order can be paid for this long; after it the sweep closes it at the provider.
PAY_ORDER_MINUTES = env_int("GRIDCARE_PAY_ORDER_MINUTES", 30)
# An order without a callback is asked about after this many seconds, then every sweep.
PAY_QUERY_AFTER_SECONDS = env_int("GRIDCARE_PAY_QUERY_AFTER_SECONDS", 60)
PAY_SWEEP_BATCH = env_int("GRIDCARE_PAY_SWEEP_BATCH", 200)
PAY_CALLBACK_MAX_BYTES = env_int("GRIDCARE_PAY_CALLBACK_MAX_BYTES", 16 * 1024)
# A callback waits at most this long for a row lock (PostgreSQL), then answers 503 and the
# provider retries: WeChat gives up on an answer after 5 s.
PAY_CALLBACK_LOCK_TIMEOUT_MS = env_int("GRIDCARE_PAY_CALLBACK_LOCK_TIMEOUT_MS", 3000)
# The largest single online payment or top-up (yuan).
PAY_MAX_AMOUNT = env_int("GRIDCARE_PAY_MAX_AMOUNT", 1_000_000)

# Outages screens: how often the console outage board refreshes itself (htmx polling).
OUTAGES_BOARD_POLL_SECONDS = env_int("GRIDCARE_OUTAGES_BOARD_POLL_SECONDS", 15)

# --- Assistant (gridcare.assistant; docs/architecture.md "Assistant") ---
# The trained intent model lives here (its file name carries the training data's hash, so
# a changed training set trains anew on first use); never downloaded.
ASSISTANT_MODEL_DIR = Path(env_str("GRIDCARE_ASSISTANT_MODEL_DIR", str(DATA_DIR / "assistant")))
# Below this confidence the bot asks again; two such messages in a row hand over to an agent.
ASSISTANT_MIN_CONFIDENCE = env_parsed("GRIDCARE_ASSISTANT_MIN_CONFIDENCE", "0.5", float)
# Optional: an OpenAI-compatible endpoint that may rephrase knowledge-base answers and
# answer out-of-scope chat politely; it never chooses an action. Off while the URL is empty.
ASSISTANT_LLM_URL = env_str("GRIDCARE_ASSISTANT_LLM_URL", "").rstrip("/")
ASSISTANT_LLM_API_KEY = env_secret("GRIDCARE_ASSISTANT_LLM_API_KEY", "")
ASSISTANT_LLM_MODEL = env_str("GRIDCARE_ASSISTANT_LLM_MODEL", "")
ASSISTANT_LLM_TIMEOUT_SECONDS = env_parsed("GRIDCARE_ASSISTANT_LLM_TIMEOUT_SECONDS", "3", float)

# --- Monitoring (gridcare.monitoring; docs/architecture.md "Monitoring", docs/kpis.md) ---
# How often the worker refreshes today's and yesterday's facts, and evaluates alert rules.
MONITORING_ROLLUP_SECONDS = env_int("GRIDCARE_MONITORING_ROLLUP_SECONDS", 300)
MONITORING_ALERT_SECONDS = env_int("GRIDCARE_MONITORING_ALERT_SECONDS", 300)
# How often the duty wall (值班大屏) asks for fresh figures (htmx polling).
MONITORING_WALL_POLL_SECONDS = env_int("GRIDCARE_MONITORING_WALL_POLL_SECONDS", 15)
# Where `gridcare report monthly` and the console's downloads write the reports.
MONITORING_REPORT_DIR = Path(env_str("GRIDCARE_MONITORING_REPORT_DIR", str(DATA_DIR / "reports")))
