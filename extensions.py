"""Flask extensions, created unbound here and bound to the app in `create_app`."""
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from api.schemas import ErrorSchema

# Constraint names are explicit so Alembic can alter them (SQLite batch mode
# and PostgreSQL both need a name to drop a constraint).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)
csrf = CSRFProtect()
login_manager = LoginManager()


class StoryloomApi(Api):
    """flask-smorest's Api declaring our one error body (api/schemas.py) on every operation."""

    ERROR_SCHEMA = ErrorSchema


api = StoryloomApi()
