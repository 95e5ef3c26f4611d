"""Every route declares who may use it, and answers each role accordingly."""
import pytest
from werkzeug.routing import IntegerConverter

from config import ROLES
from core.access import PUBLIC, SIGNED_IN, access_rule
from tests.conftest import sign_in


def undeclared_endpoints(app) -> list[str]:
    with app.test_request_context():
        return sorted(e for e in app.view_functions if access_rule(e) is None)


def sample_url(app, rule) -> str:
    values = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):
            values[name] = 987654
        elif rule.endpoint == "static":
            values[name] = "css/storyloom.css"
        else:
            values[name] = "sample"
    with app.test_request_context():
        return app.url_map.bind("localhost").build(rule.endpoint, values)


def walk(app):
    """(endpoint, method, url) for every registered route, logout last."""
    routes = []
    for rule in app.url_map.iter_rules():
        method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
        routes.append((rule.endpoint, method, sample_url(app, rule)))
    return sorted(routes, key=lambda r: (r[0] == "accounts.logout", r[0]))


def test_every_route_declares_its_roles(app):
    assert undeclared_endpoints(app) == []


def test_a_route_without_a_declaration_is_caught_and_refused(app):
    app.add_url_rule("/oops", "oops", lambda: "secret")
    assert undeclared_endpoints(app) == ["oops"]
    response = app.test_client().get("/oops")
    assert response.status_code == 500
    assert b"secret" not in response.data


@pytest.mark.parametrize("role", [None, *ROLES])
def test_each_role_gets_the_answer_its_declaration_promises(app, users, role):
    client = app.test_client()
    if role:
        sign_in(client, users[role].email)
    checked = 0
    for endpoint, method, url in walk(app):
        with app.test_request_context():
            roles = access_rule(endpoint)
        allowed = PUBLIC in roles or (role is not None and (SIGNED_IN in roles or role in roles))
        response = client.open(url, method=method)
        where = f"{role or 'anonymous'} {method} {url} ({endpoint}) -> {response.status_code}"
        if allowed:
            assert response.status_code not in (401, 403), where
            # /readyz answers 503 by design here: no worker is running in this test.
            assert response.status_code < 500 or (endpoint, response.status_code) == ("ops.readyz", 503), where
            assert "/login" not in response.headers.get("Location", "") or endpoint == "accounts.logout", where
        elif role is None:
            if url.startswith("/api/"):
                assert response.status_code == 401, where
                assert response.is_json, where
            else:
                assert response.status_code == 302 and "/login" in response.headers["Location"], where
        else:
            assert response.status_code == 403, where
        checked += 1
    assert checked >= 15
