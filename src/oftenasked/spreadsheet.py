"""Cells that a spreadsheet would run as a formula, neutralised in exports and restored on import.

A TSV or CSV export opened in Excel, LibreOffice or Google Sheets runs a cell that starts with
``=``, ``+``, ``-`` or ``@`` (and, in some, a tab or carriage return) as a formula: a scraped
answer could then fetch URLs or run commands on the machine of whoever opens the export
("CSV injection"). As OWASP recommends, such a cell is written with a leading apostrophe, which
spreadsheets show as text and do not run. To round-trip, a cell that already starts with
apostrophes followed by such a character gets one more, and import removes exactly one: every
text maps to one cell and back, and cells like ``'Tis the season`` are left alone both ways.
"""

from __future__ import annotations

import re

_NEEDS_QUOTE = re.compile(r"'*[=+\-@\t\r]")
_QUOTED = re.compile(r"'+[=+\-@\t\r]")


def neutralise(cell: str) -> str:
    """``cell`` as a spreadsheet will show it but never run it."""
    return "'" + cell if _NEEDS_QUOTE.match(cell) else cell


def restore(cell: str) -> str:
    """The inverse of :func:`neutralise`."""
    return cell[1:] if _QUOTED.match(cell) else cell
