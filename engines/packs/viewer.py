"""The offline viewer (index.html): the same pack content as the PDF, for a screen or projector.

One self-contained file: CSS and JS inline, pack data embedded as `window.PACK`,
audio from relative `clips/...` paths. Opens from disk with no server and no
network. The page is complete HTML without JS; the script only adds big
play/pause buttons and a story filter by theme.
"""
from __future__ import annotations

import json
from html import escape
from urllib.parse import quote as url_quote

from config import PALETTE

from .content import ROLE_COLOURS, ROLE_LABELS, ROLE_SINGULAR, ROLES, story_lookup

FOOTER_TEXT = "Contains redacted community stories \u2014 handle under your data protection policy"

_CSS = """
:root { --ink:#1a1a1a; --muted:#3f3f46; --paper:#fff; --tint:#f4f4f5; --focus:#b45309; --brand:__BRAND__; }
* { box-sizing: border-box; }
html { font-size: 125%; }
body { margin:0; font-family: "DejaVu Sans", Verdana, Arial, sans-serif; line-height:1.5;
       color:var(--ink); background:var(--paper); }
a { color:var(--brand); }
.skip { position:absolute; left:-999px; } .skip:focus { left:1rem; top:1rem; background:#fff; padding:.5rem; z-index:9; }
header.top { background:var(--brand); color:#fff; padding:1.2rem 1.5rem; }
header.top h1 { margin:.2rem 0; font-size:2rem; }
header.top p { margin:.2rem 0; }
nav { display:flex; flex-wrap:wrap; gap:.6rem; padding:.8rem 1.5rem; background:var(--tint);
      position:sticky; top:0; z-index:5; border-bottom:2px solid #d4d4d8; }
nav a { padding:.5rem 1rem; border-radius:.4rem; background:#fff; border:2px solid var(--brand);
        text-decoration:none; font-weight:bold; }
main { max-width:58rem; margin:0 auto; padding:1rem 1.5rem 3rem; }
:focus-visible { outline:4px solid var(--focus); outline-offset:3px; }
section.theme { border-left:10px solid var(--c); padding-left:1.2rem; margin:2.5rem 0; }
section.theme h3 { font-size:1.6rem; margin:.2rem 0; color:var(--c); }
.kicker { font-weight:bold; color:var(--muted); margin:0; }
.counts { display:flex; gap:1rem; margin:.6rem 0; }
.counts div { border:2px solid var(--c); padding:.3rem .8rem; border-radius:.4rem; }
.counts strong { font-size:1.6rem; display:block; }
.bars { list-style:none; padding:0; margin:.4rem 0 1rem; }
.bars li { display:grid; grid-template-columns: 11rem 1fr 3.5rem; align-items:center; gap:.6rem; margin:.25rem 0; }
.track { display:block; background:var(--tint); border:1px solid #d4d4d8; height:1.1rem; }
.fill { height:100%; }
.pct { font-weight:bold; text-align:right; }
blockquote { margin:1rem 0; padding:.8rem 1rem; background:var(--tint); border-left:6px solid var(--c); }
blockquote p { margin:0 0 .4rem; font-size:1.15rem; }
.who { color:var(--muted); font-size:.9rem; }
audio { display:block; margin-top:.5rem; width:100%; max-width:30rem; }
audio:not([controls]) { display:none; }
button.play { display:block; font:inherit; font-weight:bold; font-size:1rem; padding:.6rem 1.2rem; margin-top:.4rem;
              min-height:3rem; min-width:8rem; border-radius:.4rem; border:2px solid var(--brand);
              background:var(--brand); color:#fff; cursor:pointer; }
button.play[aria-pressed="true"] { background:#fff; color:var(--brand); }
.filters { display:flex; flex-wrap:wrap; gap:.5rem; margin:.5rem 0 1rem; }
.filters button { font:inherit; font-size:.9rem; padding:.5rem .9rem; min-height:2.75rem; border-radius:2rem;
                  border:2px solid var(--brand); background:#fff; color:var(--brand); cursor:pointer; }
.filters button[aria-pressed="true"] { background:var(--brand); color:#fff; }
.cards { display:grid; grid-template-columns: repeat(auto-fill, minmax(20rem, 1fr)); gap:1rem; }
article.card { border:2px solid #a1a1aa; border-top:8px solid var(--c); padding:.8rem 1rem; border-radius:.3rem; }
article.card h3 { margin:.1rem 0 .3rem; font-size:1.2rem; }
.tags { font-weight:bold; font-size:.9rem; }
ol.prompts li { margin:.4rem 0; font-size:1.1rem; }
footer { border-top:2px solid #d4d4d8; padding:1rem 1.5rem; font-weight:bold; }
[hidden] { display:none !important; }
@media print { nav, button.play, .filters { display:none; } }
""".replace("__BRAND__", PALETTE["brand-dark"])

_JS = """
(function () {
  var playing = null;
  document.querySelectorAll('audio').forEach(function (a) { a.controls = false; });
  document.querySelectorAll('button.play').forEach(function (btn) {
    btn.hidden = false;
    var audio = document.getElementById(btn.getAttribute('aria-controls'));
    function show(on) { btn.setAttribute('aria-pressed', on ? 'true' : 'false');
                        btn.textContent = on ? '\\u275A\\u275A Pause' : '\\u25B6 Play'; }
    audio.addEventListener('ended', function () { show(false); });
    audio.addEventListener('pause', function () { show(false); });
    audio.addEventListener('play', function () { show(true); });
    btn.addEventListener('click', function () {
      if (audio.paused) { if (playing && playing !== audio) { playing.pause(); } playing = audio; audio.play(); }
      else { audio.pause(); }
    });
  });
  var filters = document.querySelectorAll('.filters button');
  filters.forEach(function (btn) {
    btn.hidden = false;
    btn.addEventListener('click', function () {
      var label = btn.dataset.theme;
      filters.forEach(function (b) { b.setAttribute('aria-pressed', b === btn ? 'true' : 'false'); });
      var shown = 0;
      document.querySelectorAll('article.card').forEach(function (card) {
        var themes = JSON.parse(card.dataset.themes);
        var show = !label || themes.indexOf(label) >= 0;
        card.hidden = !show; if (show) { shown += 1; }
      });
      document.getElementById('story-count').textContent = shown + ' of ' + window.PACK.stories.length + ' stories shown';
    });
  });
})();
"""


def _embedded_json(data) -> str:
    """JSON safe inside <script>: no '</script>', no HTML-significant characters."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    for char, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                       ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, code)
    return text


def _theme_section(theme, total, stories_by_id) -> str:
    bars = "".join(
        f'<li><span>{ROLE_LABELS[r]}</span><span class="track" aria-hidden="true">'
        f'<span class="fill" style="display:block;width:{round(theme["prevalence_by_role"][r] * 100)}%;'
        f'background:{ROLE_COLOURS[r]}"></span></span>'
        f'<span class="pct">{round(theme["prevalence_by_role"][r] * 100)}%</span></li>'
        for r in ROLES)
    quotes = []
    for q_number, quote in enumerate(theme["quotes"], start=1):
        teller = ROLE_SINGULAR[stories_by_id.get(quote["story_id"], {}).get("role", "other")]
        said = f'{escape(quote["speaker"])} in story ' if quote.get("speaker") else "Story "
        player = ""
        if quote["clip"]:
            audio_id = f"clip-{theme['number']}-{q_number}"
            player = (f'<audio id="{audio_id}" controls preload="none" src="clips/{escape(url_quote(quote["clip"]))}">'
                      f'</audio><button type="button" class="play" hidden aria-pressed="false" '
                      f'aria-controls="{audio_id}" aria-label="Play quote {q_number} from story '
                      f'{escape(quote["story_id"])}">\u25B6 Play</button>')
        quotes.append(f'<blockquote><p>\u201c{escape(quote["text"])}\u201d</p>'
                      f'<div class="who">{said}{escape(quote["story_id"])}, told by {teller}'
                      f'{" &middot; clip: " + escape(quote["clip"]) if quote["clip"] else ""}</div>{player}</blockquote>')
    return (
        f'<section class="theme" id="theme-{theme["number"]}" style="--c:{theme["colour"]}" '
        f'aria-labelledby="theme-{theme["number"]}-title">'
        f'<p class="kicker">Theme {theme["number"]} of {total}</p>'
        f'<h3 id="theme-{theme["number"]}-title">{escape(theme["label"])}</h3>'
        f'<p>{escape(theme["description"])}</p>'
        f'<div class="counts"><div><strong>{theme["story_count"]}</strong> stories</div>'
        f'<div><strong>{theme["passage_count"]}</strong> passages</div></div>'
        f'<h4>Who told these stories</h4><ul class="bars">{bars}</ul>'
        f'{"<h4>What people said</h4>" if quotes else ""}{"".join(quotes)}{_reel_player(theme)}</section>'
    )


def _reel_player(theme) -> str:
    """The theme's reel: the captioned video (captions are in the picture), the sound alone, the captions file."""
    reel = theme.get("reel")
    if not reel:
        return ""
    files = {kind: "reels/" + escape(url_quote(name)) for kind, name in reel.items()}
    return (f'<h4>Theme reel</h4><video class="reel" controls preload="none" src="{files["video"]}" '
            f'aria-label="Theme reel: {escape(theme["label"])}, captions in the picture"></video>'
            f'<p class="reel-files"><a href="{files["audio"]}">The reel as sound only</a> &middot; '
            f'<a href="{files["captions"]}">Its captions (WebVTT)</a></p>')


def _story_card(story) -> str:
    return (
        f'<article class="card" style="--c:{ROLE_COLOURS[story["role"]]}" '
        f'data-themes="{escape(json.dumps(story["themes"], ensure_ascii=False))}">'
        f'<h3>{escape(story["title"])}</h3>'
        f'<p class="who">Story {escape(story["id"])} &middot; told by {ROLE_SINGULAR[story["role"]]}</p>'
        f'<p>{escape(story["excerpt"])}</p>'
        f'<p class="tags">Themes: {escape(", ".join(story["themes"]) or "none")}</p></article>'
    )


def render_viewer_html(content: dict) -> str:
    """The whole index.html for checked `content` (see content.normalise_content)."""
    workshop, themes = content["workshop"], content["themes"]
    stories_by_id = story_lookup(content)
    facts = " &middot; ".join(escape(x) for x in (workshop["date_text"], workshop["place"]) if x)
    theme_links = "".join(f'<li><a href="#theme-{t["number"]}">{escape(t["label"])}</a></li>' for t in themes)
    filter_buttons = '<button type="button" hidden aria-pressed="true" data-theme="">All stories</button>' + "".join(
        f'<button type="button" hidden aria-pressed="false" data-theme="{escape(t["label"])}">{escape(t["label"])}</button>'
        for t in themes)
    prompts = "".join(
        f'<h3 style="color:{t["colour"]}">Theme {t["number"]}: {escape(t["label"])}</h3><ol class="prompts">'
        + "".join(f"<li>{escape(p)}</li>" for p in (t["prompts"] or [
            "What stood out for you in these stories?",
            "What is working well that we should keep doing?",
            "What one change would make the biggest difference?"]))
        + "</ol>" for t in themes)
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{escape(workshop["title"])} - workshop pack</title>
<style>{_CSS}</style>
</head>
<body>
<a class="skip" href="#main">Skip to the themes</a>
<header class="top">
<p>Workshop pack</p>
<h1>{escape(workshop["title"])}</h1>
<p>{facts}</p>
<p>{escape(workshop["purpose"])}</p>
</header>
<nav aria-label="Parts of the pack">
<a href="#themes">Themes</a><a href="#stories">Story cards</a><a href="#questions">Questions</a>
</nav>
<main id="main" tabindex="-1">
<section id="themes" aria-labelledby="themes-title">
<h2 id="themes-title">Themes</h2>
<ol>{theme_links}</ol>
{"".join(_theme_section(t, len(themes), stories_by_id) for t in themes)}
</section>
<section id="stories" aria-labelledby="stories-title">
<h2 id="stories-title">Story cards</h2>
<div class="filters" role="group" aria-label="Show stories for one theme">{filter_buttons}</div>
<p id="story-count" aria-live="polite">{len(content["stories"])} stories</p>
<div class="cards">{"".join(_story_card(s) for s in content["stories"])}</div>
</section>
<section id="questions" aria-labelledby="questions-title">
<h2 id="questions-title">Questions to talk about</h2>
{prompts}
</section>
</main>
<footer>{escape(FOOTER_TEXT)}</footer>
<script>window.PACK = {_embedded_json(content)};</script>
<script>{_JS}</script>
</body>
</html>
"""
