"""Theme discovery engine: passages -> themes (seeded and discovered) -> labels.

Plain Python in, plain Python out; heavy libraries load inside functions.
"""
from engines.themes.discovery import (
    DEFAULT_SETTINGS,
    DiscoveryResult,
    ThemeResult,
    TooFewStoriesError,
    discover_themes,
)
from engines.themes.labels import label_for
from engines.themes.passages import Passage, split_passages
from engines.themes.recluster import recluster_theme

__all__ = [
    "DEFAULT_SETTINGS",
    "DiscoveryResult",
    "Passage",
    "ThemeResult",
    "TooFewStoriesError",
    "discover_themes",
    "label_for",
    "recluster_theme",
    "split_passages",
]
