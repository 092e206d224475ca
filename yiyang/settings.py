"""Yiyang's only settings module: every value comes from the environment, with
embedded defaults (SQLite, in-process everything, keys under var/)."""

import os
import tempfile
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from yiyang.lib.env import env_bool, env_int, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(env_str("YIYANG_VAR_DIR", str(BASE_DIR.parent / "var")))
TESTING = env_bool("YIYANG_TESTING")


def _generate_secret() -> str:
    from django.core.management.utils import get_random_secret_key

    return get_random_secret_key()


def _generate_data_key() -> str:
    from yiyang.core.crypto import generate_key

    return generate_key()


SECRET_KEY = env_secret("YIYANG_SECRET_KEY", VAR_DIR / "secret.key", _generate_secret)
YIYANG_DATA_KEY = env_secret("YIYANG_DATA_KEY", VAR_DIR / "data.key", _generate_data_key)
DEBUG = env_bool("YIYANG_DEBUG")
ALLOWED_HOSTS = env_str("YIYANG_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in env_str("YIYANG_CSRF_TRUSTED_ORIGINS").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "csp",
    "channels",
    "django_tasks",
    "django_tasks_db",
    "yiyang.core",
    "yiyang.jobs",
    "yiyang.elders",
    "yiyang.assessment",
    "yiyang.ledgers",
    "yiyang.services",
    "yiyang.alarms",
    "yiyang.dashboard",
    "yiyang.accounts",
    "yiyang.demo",
]

MIDDLEWARE = [
    "yiyang.core.streaming.stream_under_asgi",  # outermost: sees every streamed answer
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "yiyang.accounts.middleware.TemporaryPasswordMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "yiyang.core.middleware.RequestContextMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "yiyang.urls"
ASGI_APPLICATION = "yiyang.asgi.application"
WSGI_APPLICATION = "yiyang.wsgi.application"

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
                "csp.context_processors.nonce",
                "yiyang.core.context_processors.nav",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'yiyang.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0))}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL + IMMEDIATE transactions + a busy timeout: several processes without
    # "database is locked" (PERFORMANCE-NOTES.md).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;",
    }
    # Tests use a database file, not Django's default in-memory database: the live
    # servers of the browser flows then open their own connections instead of sharing
    # the test's one connection between threads, whose transaction state they
    # corrupted now and then (a later test's on_commit never ran). One file per process;
    # pytest-xdist appends the worker's name.
    DATABASES["default"]["TEST"] = {"NAME": env_str("YIYANG_TEST_SQLITE", "") or str(
        Path(tempfile.gettempdir()) / f"yiyang-test-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache ----------------------------------------------------------------------
# Shared by every process (the web server and `yiyang worker` report job progress
# through it): Redis when configured, else files under var/; tests keep their own.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL and not TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
elif TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                          "LOCATION": str(VAR_DIR / "cache")}}

# --- background jobs (django_tasks, the backport of Django 6's tasks) -----------
# "database": the django-tasks-db queue, run by `yiyang worker` (which `yiyang serve`
# starts beside itself); "immediate": run in the process that enqueues (tests).
TASK_BACKEND = env_str("YIYANG_TASK_BACKEND", "immediate" if TESTING else "database")
TASKS = {"default": {"BACKEND": {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}[TASK_BACKEND]}}
# Uploaded and generated files (ledgers, reports): private, served only through
# views that check the owner and write the audit log.
YIYANG_FILES_DIR = Path(env_str("YIYANG_FILES_DIR", str(VAR_DIR / "files")))

# --- live push (Channels) and device intake ---------------------------------------
ASGI_APPLICATION = "yiyang.asgi.application"
if REDIS_URL and not TESTING:
    # redis-py 8 reads with a 5 s socket timeout, as long as channels-redis's blocking
    # receive (BZPOPMIN 5 s): an idle console's consumer died with TimeoutError.
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                  "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 15}]}}}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
MQTT_URL = env_str("MQTT_URL")

# --- authentication and sessions ------------------------------------------------
AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# 等保 2.0: limit failed logins and log out idle sessions (DOMAIN.md §7).
AXES_FAILURE_LIMIT = env_int("YIYANG_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("YIYANG_LOGIN_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False

SESSION_COOKIE_AGE = env_int("YIYANG_SESSION_IDLE_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True  # the age counts from the last request: an idle timeout
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_COOKIES = env_bool("YIYANG_SECURE_COOKIES")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_COOKIES
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# --- internationalisation -------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("YIYANG_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- static files ---------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise expects it to exist
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True  # the embedded server needs no collectstatic step

# --- Yiyang ---------------------------------------------------------------------
YIYANG_PAGE_SIZE = env_int("YIYANG_PAGE_SIZE", 50)
YIYANG_COUNT_CAP = env_int("YIYANG_COUNT_CAP", 10_000)
YIYANG_MIN_ELDER_AGE = 60
YIYANG_REASSESSMENT_MONTHS = env_int("YIYANG_REASSESSMENT_MONTHS", 12)
YIYANG_REASSESSMENT_CONDITION_DAYS = env_int("YIYANG_REASSESSMENT_CONDITION_DAYS", 30)
# Local hour from which `yiyang worker` runs the daily routines (yiyang/jobs/daily.py).
YIYANG_DAILY_HOUR = env_int("YIYANG_DAILY_HOUR", 23)
# Ledger retention (docs/ledgers.md#retention).
YIYANG_LEDGER_UNDECIDED_DAYS = env_int("YIYANG_LEDGER_UNDECIDED_DAYS", 7)
YIYANG_LEDGER_FILES_DAYS = env_int("YIYANG_LEDGER_FILES_DAYS", 30)
YIYANG_REASSESSMENT_DUE_SOON_DAYS = env_int("YIYANG_REASSESSMENT_DUE_SOON_DAYS", 30)
YIYANG_ASSESSMENT_FOUR_EYES = env_bool("YIYANG_ASSESSMENT_FOUR_EYES", True)
YIYANG_ASSESSMENT_SCALE_FILES = [p for p in env_str("YIYANG_ASSESSMENT_SCALE_FILES").split(",") if p]
YIYANG_REGION_NAME = _("Yiyang demo county")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("YIYANG_LOG_LEVEL", "WARNING")},
}
