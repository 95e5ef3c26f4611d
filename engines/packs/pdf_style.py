"""Shared look of pack.pdf: fonts, paragraph styles, colour banners and the footer canvas."""
from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

FOOTER_TEXT = "Contains redacted community stories \u2014 handle under your data protection policy"
INK = "#1A1A1A"
MUTED = "#3F3F46"  # still 10:1 on white; used for secondary lines
PAPER_TINT = "#F4F4F5"

_FONT_SETS = (
    ("/usr/share/fonts/truetype/dejavu/", "DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf"),
    (None, "Vera.ttf", "VeraBd.ttf", "VeraIt.ttf"),  # bundled with reportlab
)


def _register_fonts() -> tuple[str, str, str]:
    """Register a Unicode TrueType family once; names can carry accents and curly quotes."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    import reportlab

    names = ("PackSans", "PackSans-Bold", "PackSans-Italic")
    if names[0] in pdfmetrics.getRegisteredFontNames():
        return names
    for folder, regular, bold, italic in _FONT_SETS:
        base = Path(folder) if folder else Path(reportlab.__file__).parent / "fonts"
        files = [base / regular, base / bold, base / italic]
        if all(f.is_file() for f in files):
            for name, file in zip(names, files):
                pdfmetrics.registerFont(TTFont(name, str(file)))
            return names
    return ("Helvetica", "Helvetica-Bold", "Helvetica-Oblique")


def _styles(fonts):
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle

    regular, bold, _italic = fonts
    ink = colors.HexColor(INK)
    base = ParagraphStyle("body", fontName=regular, fontSize=13, leading=19, textColor=ink, spaceAfter=6)

    def style(name, **kw):
        return ParagraphStyle(name, parent=base, **kw)

    return {
        "body": base,
        "lead": style("lead", fontSize=15, leading=21, spaceAfter=8),
        "small": style("small", fontSize=12, leading=15, textColor=colors.HexColor(MUTED)),
        "h1": style("h1", fontName=bold, fontSize=26, leading=32, spaceAfter=12),
        "h2": style("h2", fontName=bold, fontSize=18, leading=23, spaceBefore=10, spaceAfter=6),
        "h3": style("h3", fontName=bold, fontSize=15, leading=19, spaceAfter=6),
        "cover_kicker": style("ck", fontName=bold, fontSize=14, leading=18, textColor=colors.white),
        "cover_title": style("ct", fontName=bold, fontSize=34, leading=40, textColor=colors.white),
        "banner_kicker": style("bk", fontName=bold, fontSize=12, leading=16, textColor=colors.white),
        "banner_title": style("bt", fontName=bold, fontSize=26, leading=31, textColor=colors.white),
        "label": style("label", fontName=bold, fontSize=13, leading=18),
        "value": style("value", fontSize=15, leading=21),
        "number": style("number", fontName=bold, fontSize=28, leading=32),
        "quote": style("quote", fontSize=14, leading=19, spaceAfter=3),
        "card_title": style("cardt", fontName=bold, fontSize=16, leading=21),
        "th": style("th", fontName=bold, fontSize=14, leading=18, textColor=colors.white),
        "prompt": style("prompt", fontSize=14, leading=20, leftIndent=26, bulletIndent=0, spaceAfter=8),
    }


def _para(text, style):
    from reportlab.platypus import Paragraph

    return Paragraph(escape(text or ""), style)


def _indented(style):
    from reportlab.lib.styles import ParagraphStyle

    return ParagraphStyle(style.name + "-bullet", parent=style, leftIndent=18, bulletIndent=4)


def _footer_canvas(title: str, fonts):
    """A canvas class that stamps the footer and 'Page X of Y' once the page count is known."""
    from reportlab.lib import colors
    from reportlab.pdfgen.canvas import Canvas

    regular, bold, _ = fonts

    class FooterCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._saved_pages = []

        def showPage(self):
            self._saved_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._saved_pages)
            for number, state in enumerate(self._saved_pages, start=1):
                self.__dict__.update(state)
                self._draw_footer(number, total)
                super().showPage()
            super().save()

        def _draw_footer(self, number, total):
            width, _height = self._pagesize
            margin = 18 * 2.8346
            self.setStrokeColor(colors.HexColor("#A1A1AA"))
            self.setLineWidth(0.6)
            self.line(margin, 44, width - margin, 44)
            self.setFillColor(colors.HexColor(INK))
            self.setFont(bold, 11)
            self.drawString(margin, 30, FOOTER_TEXT)
            self.setFont(regular, 11)
            self.drawString(margin, 16, title[:70])
            self.drawRightString(width - margin, 16, f"Page {number} of {total}")

    return FooterCanvas


def _banner(kicker: str, title: str, colour: str, styles, width: float):
    from reportlab.lib import colors
    from reportlab.platypus import Table, TableStyle

    table = Table([[_para(kicker, styles["banner_kicker"])], [_para(title, styles["banner_title"])]],
                  colWidths=[width])
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor(colour)),
        ("LEFTPADDING", (0, 0), (-1, -1), 14), ("RIGHTPADDING", (0, 0), (-1, -1), 14),
        ("TOPPADDING", (0, 0), (-1, 0), 10), ("BOTTOMPADDING", (0, -1), (-1, -1), 11),
    ]))
    return table
