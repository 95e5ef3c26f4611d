"""One role vocabulary and one palette: the site's CSS, the charts drawn in Python and the pack say the same."""
import re
from pathlib import Path

import config

ROOT = Path(__file__).resolve().parents[2]


def _css_variables() -> dict:
    css = (ROOT / "static" / "css" / "storyloom.css").read_text()
    root = re.search(r":root\s*{(.*?)}", css, re.S).group(1)
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{3,6})\s*;", root))


def test_the_css_declares_the_python_palette():
    declared = _css_variables()
    assert {name: declared.get(name) for name in config.PALETTE} == config.PALETTE
    assert {role: declared.get(f"role-{role}") for role in config.ROLE_COLOURS} == config.ROLE_COLOURS


def test_the_pack_and_the_board_use_the_same_colours_and_words():
    from engines.packs import content, viewer
    from themes import board

    assert content.ROLE_COLOURS is config.ROLE_COLOURS and content.THEME_COLOURS is config.THEME_COLOURS
    assert config.PALETTE["brand-dark"] in viewer._CSS
    assert content.ROLE_LABELS == board.ROLE_SHORT == config.STORYTELLER_GROUPS


def test_storytellers_are_never_called_service_users_in_the_application():
    from stories.models import STORYTELLER_ROLES

    assert STORYTELLER_ROLES == config.STORYTELLER_LABELS
    said = [path for folder in ("templates", "themes", "workshops", "stories", "engines")
            for path in (ROOT / folder).rglob("*") if path.suffix in (".py", ".html")
            and re.search(r"service users", path.read_text(encoding="utf-8"), re.I)]
    assert said == []
