"""API: who am I."""
from flask_login import current_user
from flask_smorest import Blueprint

from api.schemas import UserSchema
from core.access import SIGNED_IN, allow

api_bp = Blueprint("accounts_api", __name__, description="Accounts")


@api_bp.route("/me")
@allow(SIGNED_IN)
@api_bp.response(200, UserSchema)
def me():
    """The signed-in user, with roles."""
    return current_user
