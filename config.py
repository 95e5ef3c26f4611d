"""Default settings. Every value can be overridden from the environment with the
`FLASK_` prefix (e.g. `FLASK_DATA_DIR`, `FLASK_SQLALCHEMY_DATABASE_URI`,
`FLASK_TASK_QUEUE`), see `app.create_app`."""

ROLES = ("reporter", "facilitator", "manager", "safeguarding_lead", "admin")

# Who told a story, in the same plain words on every form, board, chart, pack and PDF:
# key -> (one person, a group of them, "told by ..."). Never "service users".
STORYTELLERS = {
    "service_user": ("Person on probation", "People on probation", "a person on probation"),
    "staff": ("Member of staff", "Staff", "a member of staff"),
    "peer_mentor": ("Peer mentor", "Peer mentors", "a peer mentor"),
    "partner": ("Partner service", "Partner services", "a partner service"),
    "other": ("Someone else", "Other people", "another storyteller"),
}
STORYTELLER_LABELS = {key: words[0] for key, words in STORYTELLERS.items()}
STORYTELLER_GROUPS = {key: words[1] for key, words in STORYTELLERS.items()}
STORYTELLER_TOLD_BY = {key: words[2] for key, words in STORYTELLERS.items()}

# One palette for the site's CSS (static/css/storyloom.css declares these as --name; a test
# compares), the charts drawn in Python, the pack's offline viewer and its PDF.
PALETTE = {
    "ink": "#1b1f24",
    "muted": "#4a5561",
    "paper": "#fbfaf7",
    "panel": "#ffffff",
    "line": "#c9ced4",
    "brand": "#1d4e6b",
    "brand-dark": "#143a51",
    "accent": "#f4d06f",
    "good": "#1e6b3a",
    "bad": "#a3261b",
    "warn-bg": "#fff4d6",
    "focus": "#ffbf47",
}
# Storyteller groups in charts, boards and packs (dark enough for white text, WCAG AA).
ROLE_COLOURS = {
    "service_user": "#1d4e6b",
    "staff": "#8a4b08",
    "peer_mentor": "#1e6b3a",
    "partner": "#6b2d6b",
    "other": "#4a5561",
}
# Themes are told apart by these, in turn (the pack's PDF, REFI-QDA codes, dashboard charts).
THEME_COLOURS = ("#1d4e6b", "#9a3412", "#1e6b3a", "#6b21a8", "#9d174d", "#155e75", "#854d0e", "#3f3f46")


class Defaults:
    # The single folder for the embedded default (database, media, queue, keys).
    # None means the Flask instance folder.
    DATA_DIR = None
    SQLALCHEMY_DATABASE_URI = None  # None: SQLite in DATA_DIR
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    TASK_QUEUE = "sqlite"  # sqlite | redis://[:password@]host:port/db | rediss://… (TLS) | immediate
    TASK_QUEUE_NAME = "storyloom"
    TASK_QUEUE_CA_FILE = None  # rediss://: the CA certificate (PEM) that signed the Redis server's certificate
    JOB_LEASE_SECONDS = 120  # a running job silent this long is presumed dead
    JOB_MAX_ATTEMPTS = 3
    SECRET_KEY = None  # None: generated once, kept in DATA_DIR
    MEDIA_STORAGE = None  # None: files in DATA_DIR; or s3://BUCKET/PREFIX (core/storage.py)
    S3_ENDPOINT_URL = None  # for S3-compatible stores that are not AWS (MinIO, Ceph, moto…)
    OPS_MONITOR_ADDRESSES = "127.0.0.1,::1"  # who may read /healthz, /readyz, /metrics without a token
    OPS_TOKEN = None  # or `Authorization: Bearer <OPS_TOKEN>` from anywhere
    LOG_FORMAT = "text"  # text | json (one JSON object per line)
    PAGE_CACHE = True  # keep rendered board, theme, story and list pages under the read version (core/pagecache.py)

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
    MAX_CONTENT_LENGTH = None  # largest request body of any kind; None: MAX_UPLOAD_BYTES + 32 MB (fields, consent photo)
    MAX_JSON_BYTES = 2 * 1024 * 1024  # largest JSON body (a transcript save is far smaller)
    MAX_SEGMENTS_PER_SAVE = 5000  # a 3-hour story has about 1,500
    MAX_SEGMENT_CHARS = 5000  # one segment is a sentence or two
    MAX_STORY_SECONDS = 3 * 3600  # longest story, judged from the decoded sound
    WHISPER_MODEL = None  # None: bundled tiny.en; or a CTranslate2 model path/name
    EMBEDDING_MODEL = None  # None: bundled all-MiniLM-L6-v2
    HEAVY_PROCESSES = None  # transcription worker processes; None: one per CPU core
    WAL_CHECKPOINT_SECONDS = 2.0  # how long an erasure keeps trying to empty SQLite's write-ahead log
    JOB_POLL_SECONDS = 1.0  # longest wait of an idle worker between looks at an SQLite queue
    THEMES_INCLUDE_REPORTER = False  # True: the reporter's questions count in theme discovery too

    API_TITLE = "Storyloom API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    # Every API call is signed in by a bearer token (Authorization: Bearer sl_…)
    # or, from the site's own pages, by the session cookie.
    API_SPEC_OPTIONS = {
        "components": {"securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer",
                           "description": "An API token from your account page or `users token EMAIL`."},
            "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "session"},
        }},
        "security": [{"bearerAuth": []}, {"sessionCookie": []}],
    }
