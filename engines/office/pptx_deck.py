"""A PowerPoint deck: a title slide, then one slide per theme (label, prevalence chart, quotes, clips)."""
from __future__ import annotations

from pathlib import Path

from engines.packs.content import ROLE_COLOURS, ROLE_LABELS, ROLES, format_date, theme_colour

WIDE = (13.333, 7.5)  # inches, 16:9
MAX_QUOTES_PER_SLIDE = 3


def _rgb(hex_colour: str):
    from pptx.dml.color import RGBColor

    return RGBColor.from_string(hex_colour.lstrip("#"))


def _text_box(slide, left, top, width, height, text, *, size=18, bold=False, colour="#1F2933", italic=False):
    from pptx.util import Inches, Pt

    box = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
    frame = box.text_frame
    frame.word_wrap = True
    paragraph = frame.paragraphs[0]
    run = paragraph.add_run()
    run.text = text
    run.font.size, run.font.bold, run.font.italic = Pt(size), bold, italic
    run.font.color.rgb = _rgb(colour)
    run.font.name = "Arial"
    return box


def _band(slide, colour: str, height: float = 0.35):
    from pptx.enum.shapes import MSO_SHAPE
    from pptx.util import Inches

    band = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, 0, 0, Inches(WIDE[0]), Inches(height))
    band.fill.solid()
    band.fill.fore_color.rgb = _rgb(colour)
    band.line.fill.background()


def _accent(slide, left, top, height, colour: str):
    from pptx.enum.shapes import MSO_SHAPE
    from pptx.util import Inches

    bar = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, Inches(left), Inches(top), Inches(0.06), Inches(height))
    bar.fill.solid()
    bar.fill.fore_color.rgb = _rgb(colour)
    bar.line.fill.background()


def _chart(slide, theme: dict, left, top, width, height):
    from pptx.chart.data import CategoryChartData
    from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION
    from pptx.util import Inches, Pt

    shares = theme.get("prevalence_by_role") or {}
    roles = [r for r in ROLES if shares.get(r)] or list(ROLES[:2])
    data = CategoryChartData()
    data.categories = [ROLE_LABELS[r] for r in roles]
    data.add_series("Share of the theme's stories", [round(100 * float(shares.get(r, 0)), 1) for r in roles])
    frame = slide.shapes.add_chart(XL_CHART_TYPE.BAR_CLUSTERED, Inches(left), Inches(top), Inches(width),
                                   Inches(height), data)
    chart = frame.chart
    chart.has_legend = False
    chart.has_title = True
    chart.chart_title.text_frame.text = "Who raised it (share of the theme's stories)"
    chart.chart_title.text_frame.paragraphs[0].runs[0].font.size = Pt(13)
    chart.font.size, chart.font.name = Pt(12), "Arial"
    plot = chart.plots[0]
    plot.gap_width = 60
    plot.has_data_labels = True
    plot.data_labels.number_format, plot.data_labels.number_format_is_linked = '0"%"', False
    plot.data_labels.position = XL_LABEL_POSITION.OUTSIDE_END
    for point, role in zip(plot.series[0].points, roles):
        point.format.fill.solid()
        point.format.fill.fore_color.rgb = _rgb(ROLE_COLOURS[role])
    axis = chart.value_axis
    axis.maximum_scale, axis.minimum_scale = 100, 0
    axis.has_major_gridlines = False
    axis.visible = False
    chart.category_axis.tick_labels.font.size = Pt(12)
    chart.category_axis.reverse_order = True  # bar charts draw from the bottom: keep the roles' order top-down
    chart.category_axis.format.line.fill.background()


def _title_slide(prs, content: dict):
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    workshop = content["workshop"]
    _band(slide, "#1F5F8B", 0.6)
    _text_box(slide, 0.8, 2.0, 11.5, 1.4, workshop["title"], size=40, bold=True)
    _text_box(slide, 0.8, 3.4, 11.5, 0.6, " · ".join(x for x in (format_date(workshop.get("date")),
                                                                    workshop.get("place") or "") if x), size=20,
              colour="#52606D")
    if workshop.get("purpose"):
        _text_box(slide, 0.8, 4.3, 11.5, 1.5, workshop["purpose"], size=20)
    _text_box(slide, 0.8, 6.6, 11.5, 0.5, f"{len(content['themes'])} themes from {len(content['stories'])} stories. "
              "Names and places in the quotes are hidden.", size=14, colour="#52606D")


def _theme_slide(prs, index: int, theme: dict, clips: dict):
    from pptx.util import Inches

    slide = prs.slides.add_slide(prs.slide_layouts[6])
    colour = theme_colour(index)
    _band(slide, colour)
    _text_box(slide, 0.6, 0.55, 12.0, 0.9, theme["label"], size=32, bold=True, colour=colour)
    stories = theme.get("story_count", 0)
    _text_box(slide, 0.6, 1.35, 4.6, 0.5, f"Raised in {stories} {'story' if stories == 1 else 'stories'}", size=16,
              colour="#52606D")
    if theme.get("description"):
        _text_box(slide, 0.6, 1.8, 4.6, 1.2, theme["description"], size=14)
    _chart(slide, theme, 0.4, 3.0, 4.9, 3.6)
    top = 1.35
    quotes = theme.get("quotes", [])[:MAX_QUOTES_PER_SLIDE]
    size = 17 if max((len(q["text"]) for q in quotes), default=0) < 170 else 14
    for number, quote in enumerate(quotes, start=1):
        _accent(slide, 5.55, top + 0.08, 1.3, colour)
        _text_box(slide, 5.7, top, 6.9, 1.5, f"“{quote['text']}”", size=size, italic=True)
        clip = clips.get(quote.get("clip") or "")
        if clip and Path(clip).exists():
            slide.shapes.add_movie(str(clip), Inches(12.65), Inches(top + 0.1), Inches(0.5), Inches(0.5),
                                   mime_type="audio/mpeg")
        top += 1.85
    if not theme.get("quotes"):
        _text_box(slide, 5.7, 1.35, 6.9, 1.0, "No quotes: the storytellers in this theme did not agree to being quoted.",
                  size=16, colour="#52606D")
    prompts = theme.get("prompts") or []
    if prompts:
        _text_box(slide, 0.6, 6.75, 12.0, 0.5, "To talk about: " + " · ".join(prompts), size=14, colour=colour)


def render_pptx(content: dict, clips: dict, out_path) -> Path:
    """Write the deck to `out_path`; `clips` maps a quote's clip name to its redacted audio file."""
    from pptx import Presentation
    from pptx.util import Inches

    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(WIDE[0]), Inches(WIDE[1])
    _title_slide(prs, content)
    for index, theme in enumerate(content["themes"]):
        _theme_slide(prs, index, theme, clips)
    out = Path(out_path)
    prs.save(str(out))
    return out
