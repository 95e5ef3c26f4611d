"""The Storyloom application factory: `flask --app app …`."""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask

from config import Defaults
from core.modules import optional_import


def create_app(config: dict | None = None) -> Flask:
    """Build the app: defaults, then `FLASK_*` environment, then `config` (tests)."""
    from core.request import BoundedIntConverter, StoryloomRequest, StrictJSONProvider

    app = Flask(__name__, instance_relative_config=True)
    app.request_class = StoryloomRequest
    app.json = StrictJSONProvider(app)
    app.url_map.converters["int"] = BoundedIntConverter
    app.config.from_object(Defaults)
    app.config.from_prefixed_env()
    if config:
        app.config.update(config)
    _settle_paths_and_secrets(app)
    _trust_proxies(app)
    app.logger.setLevel(logging.INFO)

    import core.pagecache  # noqa: F401  (the read version every commit moves on)
    import core.sqlite  # noqa: F401  (registers SQLite pragmas)
    from extensions import api, csrf, db, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.session_protection = "strong"
    api.init_app(app)

    _register_models()
    _register_blueprints(app, api, csrf)
    _register_hooks(app)
    _register_cli(app)
    return app


def _settle_paths_and_secrets(app: Flask) -> None:
    from core.datadir import ensure_data_dir, read_or_create_secret

    data_dir = ensure_data_dir(app.config.get("DATA_DIR") or app.instance_path)
    app.config["DATA_DIR"] = str(data_dir)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{data_dir / 'storyloom.db'}"
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 30}}
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = read_or_create_secret(data_dir, "secret_key")
    for key in ("MAX_UPLOAD_BYTES", "JOB_LEASE_SECONDS", "JOB_MAX_ATTEMPTS"):
        app.config[key] = int(app.config[key])
    if app.config.get("MAX_CONTENT_LENGTH") is None:  # Flask's limit on any request body (core/request.py)
        app.config["MAX_CONTENT_LENGTH"] = app.config["MAX_UPLOAD_BYTES"] + 32 * 1024 * 1024
    app.config["MAX_CONTENT_LENGTH"] = int(app.config["MAX_CONTENT_LENGTH"])


def _trust_proxies(app: Flask) -> None:
    """Behind N reverse proxies, take the client's address (and scheme) from the
    last N X-Forwarded-* entries; with 0 (the default) those headers are ignored."""
    hops = int(app.config.get("TRUSTED_PROXY_HOPS") or 0)
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


# Each domain is a folder with a blueprint `bp` in __init__.py and, when it has
# them, models.py, routes.py, api.py (a flask-smorest `api_bp`) and cli.py
# (a list `commands`). Order matters only for readability.
DOMAINS = ("core", "accounts", "audit", "jobs", "stories", "themes", "workshops", "governance", "search", "evidence",
           "ops")


def _register_models() -> None:
    for domain in DOMAINS:
        optional_import(f"{domain}.models")
    for domain in DOMAINS:  # each domain's part of the story lifecycle (core/signals.py)
        optional_import(f"{domain}.receivers")


def _register_blueprints(app: Flask, api, csrf) -> None:
    for domain in DOMAINS:
        package = optional_import(domain)
        if package is None:
            continue
        optional_import(f"{domain}.routes")
        if hasattr(package, "bp"):
            app.register_blueprint(package.bp)
        api_module = optional_import(f"{domain}.api")
        if api_module is not None:
            csrf.exempt(api_module.api_bp)  # api.auth applies CSRF itself to session-authenticated calls
            api.register_blueprint(api_module.api_bp, url_prefix="/api/v1")

    from core.access import PUBLIC

    # Endpoints made by Flask or extensions, whose views we do not decorate.
    app.extensions["access_overrides"] = {
        endpoint: frozenset({PUBLIC})
        for endpoint in app.view_functions
        if endpoint == "static" or endpoint.startswith("api-docs.")
    }


def _register_hooks(app: Flask) -> None:
    from accounts.models import User
    from api.auth import authenticate_api_request
    from core.access import enforce_access
    from core.errors import register_error_handlers
    from core.security import add_security_headers
    from extensions import db, login_manager
    from sqlalchemy.orm import joinedload

    @login_manager.user_loader
    def load_user(session_id: str):
        # "id:version"; a session made before the person's sessions were ended
        # carries an old version and signs nobody in.
        user_id, _, version = session_id.partition(":")
        if not (user_id.isdigit() and version.isdigit() and len(user_id) < 19 and len(version) < 19):
            return None
        # The person and their roles in one SELECT: every signed-in request begins here.
        user = db.session.get(User, int(user_id), options=[joinedload(User.roles)])
        if user is None or not user.active or user.session_version != int(version):
            return None
        return user

    from accounts.services import require_password_change

    from core.request import check_request_input

    app.before_request(check_request_input)
    app.before_request(authenticate_api_request)
    app.before_request(require_password_change)
    app.before_request(enforce_access)
    app.after_request(add_security_headers)
    register_error_handlers(app)

    from config import PALETTE, STORYTELLER_GROUPS
    from core.forms import csrf_field
    from core.labels import count_of
    from core.nav import nav_links

    app.jinja_env.globals.update(nav_links=nav_links, palette=PALETTE, storyteller_groups=STORYTELLER_GROUPS,
                                 csrf_field=csrf_field)
    app.jinja_env.filters["count_of"] = count_of


def _register_cli(app: Flask) -> None:
    for domain in DOMAINS:
        cli = optional_import(f"{domain}.cli")
        for command in getattr(cli, "commands", ()):
            app.cli.add_command(command)
