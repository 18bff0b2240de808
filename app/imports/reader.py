"""From bytes to rows: decode, find the header and the separator, recognize the format, parse each line."""

import codecs
import csv
import io
import logging
import re
from dataclasses import dataclass, field
from datetime import date

from app.imports.formats import FORMATS, get_format
from app.imports.rows import Context, ImportFailed, Problem, Record, Row
from app.imports.values import date_order, decimal_mark

log = logging.getLogger(__name__)

SEPARATORS = (",", ";", "\t")
HEADER_SEARCH = 40
# Lines read to tell the file's decimal mark: plenty to decide, and cheap on a 20,000-line file.
SAMPLE_ROWS = 2000
# Control characters other than tab and newline: never data, and some would not survive a form round trip.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ufeff]")
TOTAL = re.compile(r"^(?:grand\s+|sub)?totals?\b|\btotals?:?$", re.IGNORECASE)
BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


@dataclass
class ParsedFile:
    """A file read with one format: its rows in file order, and how it was read."""

    format: object
    rows: list = field(default_factory=list)
    header_line: int = 1
    separator: str = ","
    mark: str = "."
    order: str = "mdy"


def normalize_text(text):
    """Return text with `\\n` line ends and without control characters or byte-order marks."""
    return CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def decode(data):
    """Decode a file's bytes: UTF-8 with or without a BOM, UTF-16 with a BOM, else Windows-1252/Latin-1."""
    if data.startswith(b"PK\x03\x04"):
        raise ImportFailed("This is an Excel workbook or a zip file: save it as CSV and import that.")
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                return normalize_text(data[len(bom):].decode(encoding))
            except UnicodeDecodeError:
                data = data[len(bom):]
                break
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
    if "\x00" in text[:4096]:
        raise ImportFailed("This is not a text file: export the data from your broker as CSV.")
    return normalize_text(text)


def find_header(lines, fmt=None):
    """Return (line index, separator, format, columns) of the first line that is a known header."""
    candidates = (fmt,) if fmt else FORMATS
    for index, line in enumerate(lines[:HEADER_SEARCH]):
        for separator in SEPARATORS:
            if separator not in line:
                continue
            try:
                cells = next(csv.reader([line], delimiter=separator))
            except (csv.Error, StopIteration):
                continue
            for candidate in candidates:
                columns = candidate.match(cells)
                if columns:
                    return index, separator, candidate, columns
    if fmt:
        raise ImportFailed(
            f"No {fmt.label} header found in the first {HEADER_SEARCH} lines: it looks like “{fmt.header}”."
        )
    first = next((line for line in lines if line.strip()), "")
    if not first:
        raise ImportFailed("The file is empty.")
    raise ImportFailed(
        "Folio does not recognize this file: no line near the top looks like a header it knows "
        f"(the first line is “{first[:80]}”). Choose the format, or use the columns {FORMATS[-2].header}."
    )


def records(text, index, separator, columns, max_rows):
    """Yield the Records after the header line, skipping blank lines and repeated headers."""
    parts = text.split("\n", index + 1)
    header, body = parts[index], (parts[index + 1] if len(parts) > index + 1 else "")
    reader = csv.reader(io.StringIO(body), delimiter=separator)
    repeated = [cell.strip().lower() for cell in next(csv.reader([header], delimiter=separator))]
    seen, count = 0, 0
    try:
        for cells in reader:
            line = index + 2 + seen
            seen = reader.line_num
            if not any(cell.strip() for cell in cells) or (
                    cells[0].strip().lower() == repeated[0] and [c.strip().lower() for c in cells] == repeated):
                continue
            count += 1
            if count > max_rows:
                raise ImportFailed(f"The file has more than {max_rows:,} rows: split it into smaller files.")
            yield Record(line, cells, columns)
    except csv.Error as exc:
        raise ImportFailed(f"Line {index + 2 + seen} cannot be read: {exc}. Is a quote left open?") from exc


def not_data(record):
    """Return why a record is a total or a note rather than data, or None."""
    filled = (cell for cell in record.cells if cell.strip())
    first, second = next(filled, ""), next(filled, None)
    if "otal" in first and TOTAL.search(first.strip()):
        return "A total line, not a transaction."
    if second is None:
        return "Not a data line."
    return None


def parse_text(text, format_name=None, *, currency="USD", today=None, max_rows=20000):
    """Read normalized text into a ParsedFile; raise ImportFailed when the file as a whole cannot be read."""
    fmt = get_format(format_name) if format_name else None
    lines = text.split("\n")
    index, separator, fmt, columns = find_header(lines, fmt)
    found = list(records(text, index, separator, columns, max_rows))
    numbers = [r.get(key) for r in found[:SAMPLE_ROWS] for key in fmt.numeric if key in columns]
    mark = decimal_mark(numbers, "," if separator == ";" else ".")
    fallback = "dmy" if mark == "," else "mdy"
    order = fmt.date_order or date_order((r.get(fmt.date_column) for r in found), fallback)
    ctx = Context(mark=mark, order=order, currency=currency, today=today or date.today())
    parsed = ParsedFile(format=fmt, header_line=index + 1, separator=separator, mark=mark, order=order)
    for record in found:
        parsed.rows.append(parse_record(fmt, record, ctx))
    return parsed


def parse_record(fmt, record, ctx):
    """Parse one record; a line that breaks the parser becomes a row with a problem, never an error page."""
    reason = not_data(record)
    if reason:
        return Row(line=record.line, skipped=reason)
    try:
        return fmt.parse(record, ctx)
    except Exception:  # noqa: BLE001 - one odd line must not stop the import of the others
        log.exception("import: line %s could not be parsed as %s", record.line, fmt.name)
        return Row(line=record.line, problems=[Problem("", "This line cannot be read.")])
