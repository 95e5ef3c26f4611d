"""The JSON API under /api/v1: token or session auth, the same role rules as the pages.

Each domain registers its own flask-smorest blueprint (`<domain>/api.py`);
this package holds what they share."""


def endpoint(blueprint, rule: str, *roles: str, method: str = "GET", takes=None, query=None, status: int = 200,
             gives=None):
    """The one line an API view is declared with: its route and method, the roles that may call it
    (core.access.allow), the schema its JSON body (`takes`) or its query string (`query`) is read with,
    and the status and schema it answers with. Other decorators (doc, body_limit) go below it."""
    from core.access import allow

    def declare(view):
        view = blueprint.response(status, gives)(view) if gives is not None else blueprint.response(status)(view)
        if query is not None:
            view = blueprint.arguments(query, location="query")(view)
        if takes is not None:
            view = blueprint.arguments(takes)(view)
        return blueprint.route(rule, methods=[method])(allow(*roles)(view))

    return declare
