"""The printed workshop handout (pack.pdf), laid out with reportlab platypus.

Order: cover, agenda, one theme board per theme (pdf_boards.py), story cards,
discussion questions, and a landscape decisions sheet with ruled lines to fill
in by hand. Every page carries the data-protection footer and "Page X of Y".
`render_pdf(content, out_path)` takes content already checked by `normalise_content`.
"""
from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from config import PALETTE

from .content import ROLE_COLOURS, ROLE_SINGULAR, agenda, story_lookup
from .pdf_boards import _theme_board
from .pdf_style import FOOTER_TEXT, PAPER_TINT, _banner, _footer_canvas, _indented, _para, _register_fonts, _styles

__all__ = ["render_pdf", "FOOTER_TEXT"]

DEFAULT_PROMPTS = (
    "What stood out for you in these stories?",
    "What is working well that we should keep doing?",
    "What one change would make the biggest difference?",
)
DECISION_ROWS = 7
CARD_GUTTER = 16
GROUND_RULES = (
    "Listen to the whole story before we talk about it.",
    "These stories belong to the people who told them. Treat them with care.",
    "Do not guess who someone is. If you think you know, keep it to yourself.",
    "Talk about what we can change, not about who is to blame.",
    "What is said in this room stays in this room.",
)


def _cover(content, styles, width):
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    workshop = content["workshop"]
    story = []
    story.append(_banner("Workshop pack", workshop["title"], PALETTE["brand-dark"], styles, width))
    story[-1].setStyle(TableStyle([("TOPPADDING", (0, 0), (-1, 0), 26), ("BOTTOMPADDING", (0, -1), (-1, -1), 30)]))
    story.append(Spacer(1, 18))
    rows = [("When", workshop["date_text"]), ("Where", workshop["place"]), ("Why we meet", workshop["purpose"])]
    if workshop["attendees"]:
        rows.append(("Who is coming", ", ".join(workshop["attendees"])))
    known = [[_para(k, styles["label"]), _para(v, styles["value"])] for k, v in rows if v]
    if known:  # ReportLab refuses an empty table: a workshop may have no date, place or purpose yet
        facts = Table(known, colWidths=[38 * 2.8346, width - 38 * 2.8346])
        facts.setStyle(TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, -1), 10),
            ("LINEBELOW", (0, 0), (-1, -2), 0.5, colors.HexColor("#D4D4D8")),
        ]))
        story += [facts, Spacer(1, 16)]
    story += [_para("How to use this pack", styles["h2"])]
    bullet_style = _indented(styles["body"])
    for line in (
        f"There is one page for each of the {len(content['themes'])} themes. Each shows who told the "
        "stories and some of the words they used.",
        "Next to each quote is the name of a sound clip. Play it so the room hears the person's own voice.",
        "Story cards can be cut out and passed round. Questions to talk about come after them.",
        "Write what you decide on the last page: what will change, who will do it, by when.",
    ):
        story.append(Paragraph(escape(line), bullet_style, bulletText="\u2022"))
    story.append(Spacer(1, 12))
    notice = Table([[_para("These stories were shared with consent. Names and details have been removed. "
                           "Please do not copy, photograph or take this pack away. Hand it back at the end.",
                           styles["body"])]], colWidths=[width])
    notice.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#FEF3C7")),
        ("BOX", (0, 0), (-1, -1), 1.2, colors.HexColor("#92400E")),
        ("LEFTPADDING", (0, 0), (-1, -1), 12), ("RIGHTPADDING", (0, 0), (-1, -1), 12),
        ("TOPPADDING", (0, 0), (-1, -1), 10), ("BOTTOMPADDING", (0, 0), (-1, -1), 10),
    ]))
    story.append(notice)
    return story


def _agenda(content, styles, width):
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    rows = [[_para("Step", styles["th"]), _para("What we do", styles["th"]), _para("Time", styles["th"])]]
    rows += [[_para(a, styles["body"]), _para(b, styles["body"]), _para(c, styles["body"])]
             for a, b, c in agenda(content)]
    table = Table(rows, colWidths=[18 * 2.8346, width - 48 * 2.8346, 30 * 2.8346], repeatRows=1)
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(PALETTE["brand-dark"])),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor(PAPER_TINT)]),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 7), ("BOTTOMPADDING", (0, 0), (-1, -1), 7),
        ("LINEBELOW", (0, -1), (-1, -1), 1, colors.HexColor(PALETTE["brand-dark"])),
    ]))
    from reportlab.platypus import Paragraph, Spacer

    rules = [Paragraph(escape(rule), _indented(styles["body"]), bulletText="\u2022") for rule in GROUND_RULES]
    return [_para("Agenda", styles["h1"]), table, Spacer(1, 14), _para("How we talk together", styles["h2"]), *rules]


def _story_card(story, styles, width):
    """A cut-out card (dashed border) for one story; two cards sit side by side on a page."""
    from reportlab.lib import colors
    from reportlab.platypus import KeepTogether, Spacer, Table, TableStyle

    colour = colors.HexColor(ROLE_COLOURS[story["role"]])
    rows = [[_para(story["title"], styles["card_title"])],
            [_para(f"Story {story['id']} \u00b7 told by {ROLE_SINGULAR[story['role']]}", styles["small"])],
            [_para(story["excerpt"], styles["body"])]]
    if story["themes"]:
        rows.append([_para("Themes: " + ", ".join(story["themes"]), styles["label"])])
    card = Table(rows, colWidths=[width])
    card.setStyle(TableStyle([
        ("BOX", (0, 0), (-1, -1), 1, colors.HexColor("#71717A"), None, (5, 3)),  # dashed: cut here
        ("LINEABOVE", (0, 0), (-1, 0), 5, colour),
        ("LEFTPADDING", (0, 0), (-1, -1), 14), ("RIGHTPADDING", (0, 0), (-1, -1), 14),
        ("TOPPADDING", (0, 0), (-1, 0), 10), ("BOTTOMPADDING", (0, -1), (-1, -1), 12),
    ]))
    return KeepTogether([card, Spacer(1, 12)])


def _prompts(content, styles, width):
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import KeepTogether, Paragraph, Spacer

    story = [_para("Questions to talk about", styles["h1"]),
             _para("Pick one or two questions for each theme. There are no wrong answers.", styles["lead"])]
    for theme in content["themes"]:
        heading_style = ParagraphStyle(f"h2-{theme['number']}", parent=styles["h2"],
                                       textColor=colors.HexColor(theme["colour"]))
        heading = _para(f"Theme {theme['number']}: {theme['label']}", heading_style)
        items = [Paragraph(escape(p), styles["prompt"], bulletText=f"{n}.")
                 for n, p in enumerate(theme["prompts"] or DEFAULT_PROMPTS, start=1)]
        story += [KeepTogether([heading, *items]), Spacer(1, 4)]
    return story


def _decisions(content, styles, width):
    """Landscape sheet: each decision gets two writing lines, with who/when/stories boxes beside."""
    from reportlab.lib import colors
    from reportlab.platypus import Spacer, Table, TableStyle

    headers = ["What will change", "Who will do it", "By when", "Which stories"]
    shares = (0.46, 0.2, 0.14, 0.2)
    rows = [[_para(h, styles["th"]) for h in headers]] + [[""] * 4 for _ in range(2 * DECISION_ROWS)]
    table = Table(rows, colWidths=[width * s for s in shares], rowHeights=[28] + [23] * (2 * DECISION_ROWS))
    strong, faint = colors.HexColor("#3F3F46"), colors.HexColor("#A1A1AA")
    commands = [
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(PALETTE["brand-dark"])),
        ("VALIGN", (0, 0), (-1, 0), "MIDDLE"),
        ("BOX", (0, 0), (-1, -1), 1.2, strong),
        ("INNERGRID", (0, 0), (-1, 0), 0.9, strong),
        ("LINEAFTER", (0, 1), (-2, -1), 0.9, strong),
    ]
    for decision in range(DECISION_ROWS):
        first, second = 1 + 2 * decision, 2 + 2 * decision
        # A faint middle line gives two lines to write the change on; the other boxes stay whole.
        commands.append(("LINEBELOW", (0, first), (0, first), 0.6, faint, None, (2, 2)))
        commands.append(("LINEBELOW", (0, second), (-1, second), 0.9, strong))
        commands += [("SPAN", (col, first), (col, second)) for col in (1, 2, 3)]
    table.setStyle(TableStyle(commands))
    intro = ("Write one change on each pair of lines. Say who will do it and by when. "
             "Add the story numbers it came from, so everyone can see why.")
    sign = _para("Checked with the room by: ______________________________     Date: ______________",
                 styles["body"])
    return [_para("What we decided", styles["h1"]), _para(intro, styles["body"]), table, Spacer(1, 12), sign]


def _card_frames(size, margin_x, margin_top, margin_bottom, heading_height):
    """Two card columns, optionally under a full-width heading frame."""
    from reportlab.platypus import Frame

    inner_width = size[0] - 2 * margin_x
    column_width = (inner_width - CARD_GUTTER) / 2
    column_height = size[1] - margin_top - margin_bottom - heading_height
    pad = {"leftPadding": 0, "rightPadding": 0, "topPadding": 0, "bottomPadding": 0}
    frames = []
    if heading_height:
        frames.append(Frame(margin_x, margin_bottom + column_height, inner_width, heading_height, **pad))
    frames += [Frame(margin_x + i * (column_width + CARD_GUTTER), margin_bottom, column_width, column_height, **pad)
               for i in (0, 1)]
    return frames


def render_pdf(content: dict, out_path) -> Path:
    """Write the handout for checked `content` to `out_path`; returns the path."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import (BaseDocTemplate, Frame, FrameBreak, NextPageTemplate, PageBreak,
                                    PageTemplate, Paragraph)

    fonts = _register_fonts()
    styles = _styles(fonts)
    out_path = Path(out_path)
    margin_x, margin_top, margin_bottom = 18 * mm, 14 * mm, 20 * mm
    doc = BaseDocTemplate(str(out_path), pagesize=A4, title=content["workshop"]["title"],
                          author="Storyloom", subject="Workshop pack (redacted community stories)",
                          leftMargin=margin_x, rightMargin=margin_x, topMargin=margin_top,
                          bottomMargin=margin_bottom)

    def frame(size):
        return Frame(margin_x, margin_bottom, size[0] - 2 * margin_x, size[1] - margin_top - margin_bottom,
                     leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)

    doc.addPageTemplates([PageTemplate("portrait", [frame(A4)], pagesize=A4),
                          PageTemplate("cards_first", _card_frames(A4, margin_x, margin_top, margin_bottom, 84)),
                          PageTemplate("cards", _card_frames(A4, margin_x, margin_top, margin_bottom, 0)),
                          PageTemplate("landscape", [frame(landscape(A4))], pagesize=landscape(A4))])
    width = A4[0] - 2 * margin_x
    frame_height = A4[1] - margin_top - margin_bottom
    stories_by_id = story_lookup(content)
    flow = _cover(content, styles, width) + [PageBreak()] + _agenda(content, styles, width)
    for theme in content["themes"]:
        flow += [PageBreak()] + _theme_board(theme, len(content["themes"]), stories_by_id, styles, width,
                                             frame_height, fonts)
    if content["stories"]:
        flow += [NextPageTemplate("cards_first"), PageBreak(), _para("Story cards", styles["h1"]),
                 Paragraph("Cut along the dashed lines and pass the cards round.", styles["lead"]),
                 NextPageTemplate("cards"), FrameBreak()]
        flow += [_story_card(s, styles, (width - CARD_GUTTER) / 2) for s in content["stories"]]
    flow += [NextPageTemplate("portrait"), PageBreak()] + _prompts(content, styles, width)
    flow += [NextPageTemplate("landscape"), PageBreak()]
    flow += _decisions(content, styles, landscape(A4)[0] - 2 * margin_x)
    doc.build(flow, canvasmaker=_footer_canvas(content["workshop"]["title"], fonts))
    return out_path
