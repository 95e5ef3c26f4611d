"""Theme boards in pack.pdf: banner, counts, who-told-it bars and pull quotes, one page per theme."""
from __future__ import annotations

from xml.sax.saxutils import escape

from .content import ROLE_COLOURS, ROLE_LABELS, ROLE_SINGULAR, ROLES
from .pdf_style import INK, PAPER_TINT, _banner, _para


def _role_bars(shares: dict, width: float, fonts):
    """Horizontal bars: share of this theme's passages told by each storyteller group."""
    from reportlab.graphics.shapes import Drawing, Rect, String
    from reportlab.lib import colors

    regular, bold, _ = fonts
    row_height, bar_height, label_width, value_width = 25, 16, 132, 46
    track_width = width - label_width - value_width
    drawing = Drawing(width, row_height * len(ROLES))
    for row, role in enumerate(ROLES):
        y = drawing.height - (row + 1) * row_height + (row_height - bar_height) / 2
        share = shares.get(role, 0.0)
        drawing.add(String(0, y + 4, ROLE_LABELS[role], fontName=regular, fontSize=12,
                           fillColor=colors.HexColor(INK)))
        drawing.add(Rect(label_width, y, track_width, bar_height, fillColor=colors.HexColor(PAPER_TINT),
                         strokeColor=colors.HexColor("#D4D4D8"), strokeWidth=0.5))
        if share > 0:
            drawing.add(Rect(label_width, y, max(track_width * share, 2), bar_height,
                             fillColor=colors.HexColor(ROLE_COLOURS[role]), strokeColor=None))
        drawing.add(String(width, y + 4, f"{round(share * 100)}%", fontName=bold, fontSize=13,
                           textAnchor="end", fillColor=colors.HexColor(INK)))
    return drawing


def _counts_and_bars(theme, styles, width, fonts):
    """Counts on the left, who-told-it bars on the right: the board's evidence at a glance."""
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    colour = colors.HexColor(theme["colour"])
    counts_width = 100
    counts = Table([
        [[_para(str(theme["story_count"]), styles["number"]),
          _para("story" if theme["story_count"] == 1 else "stories", styles["body"])]],
        [[_para(str(theme["passage_count"]), styles["number"]),
          _para("passage" if theme["passage_count"] == 1 else "passages", styles["body"])]],
    ], colWidths=[counts_width])
    counts.setStyle(TableStyle([
        ("BOX", (0, 0), (0, 0), 1.2, colour), ("BOX", (0, 1), (0, 1), 1.2, colour),
        ("LEFTPADDING", (0, 0), (-1, -1), 10), ("TOPPADDING", (0, 0), (-1, -1), 6),
    ]))
    bars_width = width - counts_width - 18
    right = [_para("Who told these stories", styles["h3"]),
             _role_bars(theme["prevalence_by_role"], bars_width, fonts)]
    layout = Table([[counts, right]], colWidths=[counts_width + 18, bars_width])
    layout.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0), ("TOPPADDING", (0, 0), (-1, -1), 0),
    ]))
    return layout


def _quote_block(quote, colour, stories_by_id, styles, width):
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Table, TableStyle

    teller = ROLE_SINGULAR[stories_by_id.get(quote["story_id"], {}).get("role", "other")]
    said = f"{escape(quote['speaker'])} in story" if quote.get("speaker") else "Story"
    source = f"{said} {escape(quote['story_id'])}, told by {teller}"
    if quote["clip"]:
        source += f"<br/><b>Play clip:</b> {escape(quote['clip'])}"
    cell = [_para(f"\u201c{quote['text']}\u201d", styles["quote"]), Paragraph(source, styles["small"])]
    block = Table([[cell]], colWidths=[width], spaceAfter=6)
    block.setStyle(TableStyle([
        ("LINEBEFORE", (0, 0), (0, -1), 5, colors.HexColor(colour)),
        ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor(PAPER_TINT)),
        ("LEFTPADDING", (0, 0), (-1, -1), 14), ("RIGHTPADDING", (0, 0), (-1, -1), 12),
        ("TOPPADDING", (0, 0), (-1, -1), 7), ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
    ]))
    return block


def _reel_line(reel: dict, styles):
    """Which file to play for the theme's reel (its quotes joined), so a room knows it is there."""
    from reportlab.platypus import Paragraph

    return Paragraph(f"<b>Theme reel:</b> play reels/{escape(reel['audio'])} (its quotes one after another; "
                     f"with captions: reels/{escape(reel['video'])})", styles["small"])


def _height(flowables, width, frame_height) -> float:
    return sum(f.wrap(width, frame_height)[1] + f.getSpaceBefore() + f.getSpaceAfter() for f in flowables)


def _theme_board(theme, total, stories_by_id, styles, width, frame_height, fonts):
    """One page per theme; quotes that would not fit go to a '(continued)' page, never mid-quote."""
    from reportlab.platypus import PageBreak, Spacer

    kicker = f"Theme {theme['number']} of {total}"
    top = [_banner(kicker, theme["label"], theme["colour"], styles, width), Spacer(1, 8)]
    if theme["description"]:
        top.append(_para(theme["description"], styles["lead"]))
    top += [_counts_and_bars(theme, styles, width, fonts), Spacer(1, 6)]
    if theme.get("reel"):
        top.append(_reel_line(theme["reel"], styles))
    if theme["quotes"]:
        top.append(_para("What people said", styles["h3"]))
    room = frame_height - _height(top, width, frame_height) - 2  # 2pt: rounding slack in table heights
    blocks = [_quote_block(q, theme["colour"], stories_by_id, styles, width) for q in theme["quotes"]]
    fits = 0
    for block in blocks:
        room -= _height([block], width, frame_height)
        if room < 0:
            break
        fits += 1
    flow = top + blocks[:fits]
    if blocks[fits:]:
        flow += [PageBreak(), _banner(f"{kicker} (continued)", theme["label"], theme["colour"], styles, width),
                 Spacer(1, 12)] + blocks[fits:]
    return flow
