"""Excel (XLSX) FAQ sheets, read with openpyxl: each sheet is read like a CSV file.

A sheet with a header naming its question and answer columns (QnA Maker's among them), or two
columns without a header, gives pairs; other sheets (instructions, lookups) are reported and left
out. Formulas give their last computed value; the workbook is read in openpyxl's read-only mode,
row by row, so that a large sheet costs little memory. Pairs of a workbook with several FAQ sheets
carry the sheet's name as ``sheet`` metadata. Line numbers are row numbers.
"""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

from ...errors import IngestError, UnusableRecordError
from ...models import Dropped
from ..records import ReadResult
from ..tabular import read_tabular
from . import need, open_zip

MAX_CELLS = 5_000_000


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    return str(value)


def _row_numbers(result: ReadResult, rows: dict[int, int]) -> ReadResult:
    """Line numbers of the sheet's CSV form (a cell with line breaks spans lines) as row numbers."""

    def row(line: int | None) -> int | None:
        return rows.get(line, line) if line is not None else None

    for pair in result.pairs:
        pair.line = row(pair.line)
    out = ReadResult(format=result.format, pairs=result.pairs, title=result.title)
    # skip() added one report line per skipped record, last: they are made again with row numbers.
    tail = len(result.dropped) - len(result.skipped)
    out.dropped = [Dropped(d.text, d.reason, row(d.line)) for d in result.dropped[:tail]]
    for error, shown in zip(result.skipped, result.dropped[tail:]):
        out.skip(UnusableRecordError(error.source, error.problem, line=row(error.line), field=error.field), shown.text)
    return out


def read_xlsx(data: bytes, origin: str) -> ReadResult:
    need("openpyxl", "Reading Excel workbooks", origin)
    open_zip(data, origin, "Excel (XLSX)")
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a damaged file
        raise IngestError(origin, f"not a readable Excel (XLSX) file ({type(exc).__name__}: {exc})") from None
    sheets: list[tuple[str, ReadResult]] = []
    dropped: list[Dropped] = []
    cells = 0
    try:
        for sheet in book.worksheets:
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            rows: dict[int, int] = {}  # the CSV line each row starts on -> the row's number
            line = 1
            for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                cells += len(row)
                if cells > MAX_CELLS:
                    raise IngestError(origin, f"too many cells (over {MAX_CELLS})")
                values = [_cell(v) for v in row]
                writer.writerow(values)  # empty rows too
                rows[line] = number
                line += 1 + sum(v.count("\n") for v in values)
            text = out.getvalue()
            if not text.strip():
                continue
            try:
                result = read_tabular(text, f"{origin} (sheet {sheet.title!r})", "csv")
            except IngestError as exc:
                if exc.problem.startswith("no header row"):
                    dropped.append(Dropped(f"sheet {sheet.title!r}", "sheet without question and answer columns"))
                    continue
                raise
            if result.pairs or result.skipped:
                sheets.append((sheet.title, _row_numbers(result, rows)))
    finally:
        book.close()
    merged = ReadResult(format="xlsx", pairs=[], dropped=dropped)
    for title, result in sheets:
        for pair in result.pairs:
            if len(sheets) > 1:
                pair.metadata.setdefault("sheet", title)
            merged.pairs.append(pair)
        merged.dropped.extend(result.dropped)
        merged.skipped.extend(result.skipped)
    return merged
