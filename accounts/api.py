"""API: who am I."""
from flask_login import current_user
from flask_smorest import Blueprint

from api import endpoint
from api.schemas import UserSchema
from core.access import SIGNED_IN

api_bp = Blueprint("accounts_api", __name__, description="Accounts")


@endpoint(api_bp, "/me", SIGNED_IN, gives=UserSchema)
def me():
    """The signed-in user, with roles."""
    return current_user
