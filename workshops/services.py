"""What governance's STORY_HOOKS call in this domain ("workshops.services:…").

The rules live in workshops.lifecycle; this name stays until governance's story
lifecycle signals replace the string-named hooks.
"""
from workshops.lifecycle import on_story_erasing, on_story_withdrawn, story_usage

__all__ = ["on_story_erasing", "on_story_withdrawn", "story_usage"]
