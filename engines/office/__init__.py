"""Office exports of a workshop pack's content: PPTX (one slide per theme) and DOCX (a report).

Plain Python, no Flask: the caller hands over the same content dict as the PDF pack
(engines.packs.content, all text already redacted) and the redacted clip files.
"""
from engines.office.docx_report import render_docx
from engines.office.pptx_deck import render_pptx

__all__ = ["render_docx", "render_pptx"]
