"""The one CSV writer every export uses.

A cell that begins with = + - @ (or a tab or carriage return, which some
spreadsheets skip before looking for those) is a formula to Excel, LibreOffice
and Google Sheets: `=HYPERLINK(...)` typed as a failed-login email would run
on the admin's machine. Such cells get a leading apostrophe, so they show as
text (OWASP's advice for CSV injection). Numbers stay numbers.
"""
from __future__ import annotations

import csv
import io
from typing import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = value if isinstance(value, str) else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(header: Iterable, rows: Iterable[Iterable], bom: bool = False) -> str:
    """The whole CSV document; `bom` adds the byte-order mark Excel needs to read UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(v) for v in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return ("\ufeff" if bom else "") + out.getvalue()
