"""Serving cheaply: one CSRF input rendered once per page, and the gunicorn workers freeze the loaded app."""
from __future__ import annotations

import gc
import importlib.util
import re

from tests.conftest import ROOT, build_app, reset_schema


def test_a_theme_page_form_token_from_csrf_field_is_accepted(tmp_path):
    """The theme page's per-passage forms carry the token `csrf_field()` renders once; a POST with it goes
    through (with CSRF on), one without it is refused."""
    from bench.webdata import PASSWORD, load

    app = build_app(tmp_path / "d", WTF_CSRF_ENABLED=True)
    reset_schema(app)
    with app.app_context():
        ids = load(stories=30, themes=4)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login", data={"email": ids["emails"]["facilitator"], "password": PASSWORD, "csrf_token": token})
    html = client.get(f"/themes/t/{ids['theme_id']}").get_data(as_text=True)
    tokens = set(re.findall(r'name="csrf_token" type="hidden" value="([^"]+)"', html))
    assert len(tokens) == 1, "one token on the page"
    passage_id = int(re.search(r'action="/themes/passages/(\d+)/pin"', html).group(1))
    refused = client.post(f"/themes/passages/{passage_id}/pin", data={})
    assert refused.status_code == 400
    done = client.post(f"/themes/passages/{passage_id}/pin", data={"csrf_token": tokens.pop()})
    assert done.status_code == 302


def test_gunicorn_workers_freeze_the_loaded_app():
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "gunicorn.conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    try:
        conf.post_worker_init(None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    assert "--config gunicorn.conf.py" in (ROOT / "scripts" / "run.sh").read_text()

