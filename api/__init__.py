"""The JSON API under /api/v1: token or session auth, the same role rules as the pages.

Each domain registers its own flask-smorest blueprint (`<domain>/api.py`);
this package holds what they share."""
