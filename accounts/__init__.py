"""Accounts: users, roles, sign-in, API tokens, the admin's user pages."""
from flask import Blueprint

bp = Blueprint("accounts", __name__, template_folder="../templates")
