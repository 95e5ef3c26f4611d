"""Default settings. Every value can be overridden from the environment with the
`FLASK_` prefix (e.g. `FLASK_DATA_DIR`, `FLASK_SQLALCHEMY_DATABASE_URI`,
`FLASK_TASK_QUEUE`), see `app.create_app`."""

ROLES = ("reporter", "facilitator", "manager", "safeguarding_lead", "admin")


class Defaults:
    # The single folder for the embedded default (database, media, queue, keys).
    # None means the Flask instance folder.
    DATA_DIR = None
    SQLALCHEMY_DATABASE_URI = None  # None: SQLite in DATA_DIR
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    TASK_QUEUE = "sqlite"  # sqlite | redis://host:port/db | immediate
    TASK_QUEUE_NAME = "storyloom"
    JOB_LEASE_SECONDS = 120  # a running job silent this long is presumed dead
    JOB_MAX_ATTEMPTS = 3
    SECRET_KEY = None  # None: generated once, kept in DATA_DIR

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False  # set True behind HTTPS (FLASK_SESSION_COOKIE_SECURE=true)
    REMEMBER_COOKIE_HTTPONLY = True
    PERMANENT_SESSION_LIFETIME = 8 * 3600
    WTF_CSRF_TIME_LIMIT = 8 * 3600

    LOGIN_MAX_FAILURES = 5  # failures within LOGIN_WINDOW_SECONDS lock an address out of an account (4× locks the account)
    LOGIN_WINDOW_SECONDS = 15 * 60
    PASSWORD_MIN_LENGTH = 10
    TRUSTED_PROXY_HOPS = 0  # reverse proxies in front of the site whose X-Forwarded-For is believed
    API_TOKEN_DAYS = 90  # default life of a new API token

    MAX_UPLOAD_BYTES = 1024 * 1024 * 1024  # 1 GB per audio file
    WHISPER_MODEL = None  # None: bundled tiny.en; or a CTranslate2 model path/name
    EMBEDDING_MODEL = None  # None: bundled all-MiniLM-L6-v2

    API_TITLE = "Storyloom API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
