"""A Word report of a workshop's themes: what each is, who raised it, what people said."""
from __future__ import annotations

import io
from pathlib import Path

from engines.packs.content import ROLE_COLOURS, ROLE_LABELS, ROLES, format_date, theme_colour


def _chart_png(theme: dict) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    shares = theme.get("prevalence_by_role") or {}
    roles = [r for r in ROLES if shares.get(r)]
    figure, axes = plt.subplots(figsize=(5.2, 0.45 * max(1, len(roles)) + 0.5), dpi=160)
    values = [100 * float(shares[r]) for r in roles]
    axes.barh([ROLE_LABELS[r] for r in roles], values, color=[ROLE_COLOURS[r] for r in roles], height=0.6)
    for y, value in enumerate(values):
        axes.text(value + 1.5, y, f"{value:.0f}%", va="center", fontsize=9)
    axes.set_xlim(0, 110)
    axes.invert_yaxis()
    axes.xaxis.set_visible(False)
    for side in ("top", "right", "bottom"):
        axes.spines[side].set_visible(False)
    axes.tick_params(axis="y", labelsize=9)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    return buffer.getvalue()


def _heading(document, text: str, level: int, colour: str | None = None):
    from docx.shared import RGBColor

    heading = document.add_heading(text, level=level)
    if colour:
        for run in heading.runs:
            run.font.color.rgb = RGBColor.from_string(colour.lstrip("#"))
    return heading


def _theme_section(document, index: int, theme: dict):
    from docx.shared import Inches, Pt

    _heading(document, theme["label"], 1, theme_colour(index))
    stories = theme.get("story_count", 0)
    document.add_paragraph(f"Raised in {stories} {'story' if stories == 1 else 'stories'}.")
    if theme.get("description"):
        document.add_paragraph(theme["description"])
    if any((theme.get("prevalence_by_role") or {}).values()):
        document.add_picture(io.BytesIO(_chart_png(theme)), width=Inches(4.8))
    if theme.get("quotes"):
        _heading(document, "What people said", 2)
        for quote in theme["quotes"]:
            paragraph = document.add_paragraph(style="Quote")
            paragraph.paragraph_format.left_indent = Inches(0.3)
            paragraph.paragraph_format.space_after = Pt(10)
            run = paragraph.add_run(f"“{quote['text']}”")
            run.font.size = Pt(13)
    else:
        document.add_paragraph("No quotes: the storytellers in this theme did not agree to being quoted.")
    if theme.get("prompts"):
        _heading(document, "To talk about", 2)
        for prompt in theme["prompts"]:
            document.add_paragraph(prompt, style="List Bullet")


def render_docx(content: dict, out_path) -> Path:
    """Write the report to `out_path`."""
    from docx import Document
    from docx.enum.section import WD_ORIENT  # noqa: F401  (portrait: the default)
    from docx.shared import Pt

    document = Document()
    style = document.styles["Normal"]
    style.font.name, style.font.size = "Arial", Pt(12)
    workshop = content["workshop"]
    document.add_heading(workshop["title"], level=0)
    facts = " · ".join(x for x in (format_date(workshop.get("date")), workshop.get("place") or "") if x)
    if facts:
        document.add_paragraph(facts)
    if workshop.get("purpose"):
        document.add_paragraph(workshop["purpose"])
    document.add_paragraph(f"{len(content['themes'])} themes from {len(content['stories'])} stories. "
                           "Names and places in the quotes are hidden.")
    for index, theme in enumerate(content["themes"]):
        document.add_page_break()
        _theme_section(document, index, theme)
    out = Path(out_path)
    document.save(str(out))
    return out
