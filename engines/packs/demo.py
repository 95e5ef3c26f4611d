"""Realistic sample pack content built from the dev corpus (for tests, benchmarks and demos).

`demo_content(corpus_path, n_themes, n_stories, clip_paths)` returns (content, clips)
in exactly the shape `build_pack` takes, so it doubles as a worked example.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from .content import ROLES, clip_file_name

PLAIN_LABELS = {
    "access": "Getting to appointments",
    "housing": "A safe place to live",
    "substance_use": "Drugs, alcohol and recovery",
    "family": "Family and children",
    "money": "Money, benefits and work",
    "health": "Health and feeling well",
}
# Two extra themes the evaluation named, so benchmarks can reach eight boards.
EXTRA_THEMES = {
    "trust": ("Being trusted and believed", "trust between people on probation and the people who supervise them"),
    "continuity": ("Seeing the same worker", "keeping the same case manager and not retelling your story"),
}
PROMPTS = {
    "access": ["What makes it hard to get here on time?", "Who should tell people about travel help?"],
    "housing": ["What happens on the day someone loses their room?"],
    "family": ["How could family be part of supervision, when people want that?"],
}


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]


def _title(text: str) -> str:
    words = _sentences(text)[0].rstrip(".!?").split()
    return " ".join(words[:7]) + ("\u2026" if len(words) > 7 else "")


def demo_content(corpus_path, n_themes: int = 6, n_stories: int = 30, clip_paths: list | None = None,
                 quotes_per_theme: int = 4):
    """Sample content with `n_themes` themes and `n_stories` stories; clips cycle through clip_paths."""
    corpus = json.loads(Path(corpus_path).read_text(encoding="utf-8"))
    theme_keys = list(corpus["themes"])[:n_themes]
    descriptions = dict(corpus["themes"])
    for key, (label, description) in list(EXTRA_THEMES.items())[: max(0, n_themes - len(theme_keys))]:
        theme_keys.append(key)
        PLAIN_LABELS.setdefault(key, label)
        descriptions[key] = description
    source = corpus["stories"]
    stories, story_themes = [], {}
    for n in range(n_stories):
        base = source[n % len(source)]
        sid = base["id"] if n < len(source) else f"d{n + 1:02d}"
        keys = [base["theme"], *base.get("also", [])]
        if n >= len(source):  # reused text: give the copies the extra themes so boards fill up
            extra = [k for k in theme_keys if k in EXTRA_THEMES] or theme_keys
            keys = [extra[n % len(extra)], *keys]
        keys = [k for k in dict.fromkeys(keys) if k in theme_keys]
        story_themes[sid] = keys
        stories.append({"id": sid, "title": _title(base["text"]), "role": base["role"],
                        "excerpt": " ".join(_sentences(base["text"])[:3]),
                        "themes": [PLAIN_LABELS[k] for k in keys], "_text": base["text"]})
    clips, themes, clip_cursor = {}, [], 0
    for t_number, key in enumerate(theme_keys, start=1):
        members = [s for s in stories if key in story_themes[s["id"]]]
        roles = [s["role"] for s in members]
        quotes = []
        for q_number, story in enumerate(members[:quotes_per_theme], start=1):
            sentences = _sentences(story["_text"])
            clip = None
            if clip_paths and clip_cursor < len(clip_paths):
                clip = clip_file_name(t_number, q_number, story["id"], Path(clip_paths[clip_cursor]).suffix)
                clips[clip] = clip_paths[clip_cursor]
                clip_cursor += 1
            quotes.append({"passage_id": t_number * 100 + q_number, "story_id": story["id"],
                           "text": " ".join(sentences[1:3]) or sentences[0], "clip": clip})
        themes.append({
            "id": t_number, "label": PLAIN_LABELS[key], "description": descriptions[key].capitalize() + ".",
            "story_count": len(members), "passage_count": len(members) + len(members) // 2,
            "prevalence_by_role": {r: (roles.count(r) / len(roles) if roles else 0.0) for r in ROLES},
            "prompts": PROMPTS.get(key, []), "quotes": quotes,
        })
    for story in stories:
        del story["_text"]
    content = {
        "workshop": {"id": 1, "title": "What our stories tell us", "date": "2025-03-14",
                     "place": "Hope Street Probation Office, meeting room 2",
                     "purpose": "Hear what people on probation and staff told our community reporters, "
                                "and agree together what we will change.",
                     "attendees": ["Sam (peer mentor)", "Jo (facilitator)", "Priya (senior manager)",
                                   "Lee (case manager)"],
                     "theme_run_id": 7},
        "themes": themes,
        "stories": stories,
        "consent_state": {s["id"]: ["workshop", "audio"] for s in stories},
        "built_at": "2025-03-10T09:30:00+00:00",
    }
    return content, clips
