"""From bytes to rows: decode, find the header and the separator, recognize the format, parse each line."""

import codecs
import csv
import io
import logging
import re
from dataclasses import dataclass, field
from datetime import date

from app.imports.detect import HEADER_SEARCH, TIE, NeedsMapping, find_header, sniff_header
from app.imports.formats import get_format
from app.imports.formats.mapped import MappedFormat
from app.imports.rows import Context, ImportFailed, Problem, Record, Row
from app.imports.values import date_order, decimal_mark

log = logging.getLogger(__name__)

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
    header: object = None
    # What the preview should say about how the file was read (a snapshot keeps the latest date, …).
    notes: list = field(default_factory=list)


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


def body_lines(text, header, max_rows):
    """Return a Record (its columns still unknown) for each data line after the header, skipping blank lines and
    repeated headers."""
    parts = text.split("\n", header.index + 1)
    body = parts[header.index + 1] if len(parts) > header.index + 1 else ""
    reader = csv.reader(io.StringIO(body), delimiter=header.separator)
    repeated = [cell.strip().lower() for cell in header.cells]
    seen, found = 0, []
    try:
        for cells in reader:
            line = header.index + 2 + seen
            seen = reader.line_num
            if not any(cell.strip() for cell in cells) or (
                    cells[0].strip().lower() == repeated[0] and [c.strip().lower() for c in cells] == repeated):
                continue
            if len(found) >= max_rows:
                raise ImportFailed(f"The file has more than {max_rows:,} rows: split it into smaller files.")
            found.append(Record(line, cells, None))
    except csv.Error as exc:
        raise ImportFailed(f"Line {header.index + 2 + seen} cannot be read: {exc}. Is a quote left open?") from exc
    return found


def not_data(record):
    """Return (why, kind) when a record is a total or a note rather than data, else None."""
    filled = (cell for cell in record.cells if cell.strip())
    first, second = next(filled, ""), next(filled, None)
    if "otal" in first and TOTAL.search(first.strip()):
        return "A total line, not a transaction.", "total line"
    if second is None:
        return "Not a data line.", "not a data line"
    return None


def parse_text(text, format_name=None, *, mapping=None, currency="USD", today=None, max_rows=20000):
    """Read normalized text into a ParsedFile; raise NeedsMapping when no format is sure of it, ImportFailed
    when the file as a whole cannot be read."""
    lines = text.split("\n")
    if mapping is not None:
        fmt = MappedFormat(mapping)
        header = fmt.find(lines)
        found, data = fmt.found, body_lines(text, header, max_rows)
    elif format_name:
        fmt = get_format(format_name)
        header = find_header(lines, (fmt,))
        if header is None:
            raise ImportFailed(f"No {fmt.label} header found in the first {HEADER_SEARCH} lines: it looks like "
                               f"“{fmt.header}”.")
        found, data = header.matches[0][1], body_lines(text, header, max_rows)
    else:
        header = find_header(lines)
        if header is None:
            raise NeedsMapping("Folio does not recognize this file: its header is not one of the formats it knows.",
                               sniff_header(lines))
        data = body_lines(text, header, max_rows)
        fmt, found = choose(header, data)
    columns = header.columns(found)
    records = data
    for record in records:
        record.columns = columns
    numbers = [text for r in records[:SAMPLE_ROWS] for text in fmt.numbers(r)]
    mark = fmt.mark or decimal_mark(numbers, "," if header.separator == ";" else ".")
    fallback = "dmy" if mark == "," else "mdy"
    order = fmt.date_order or date_order((r.get(fmt.date_column) for r in records), fallback)
    ctx = Context(mark=mark, order=order, currency=currency, today=today or date.today())
    parsed = ParsedFile(format=fmt, header_line=header.index + 1, separator=header.separator, mark=mark,
                        order=order, header=header)
    rows = parsed.rows
    for record in records:
        result = parse_record(fmt, record, ctx)
        if type(result) is list:  # one line, two transactions (a reinvested dividend)
            rows.extend(result)
        else:
            rows.append(result)
    parsed.rows = fmt.finish(parsed.rows, ctx, parsed.notes)
    return parsed


def choose(header, data):
    """Return (format, found) of the one format sure of this file; raise NeedsMapping when none is."""
    sample = data[:SAMPLE_ROWS]
    refused = []
    sure = []
    for fmt, found in header.matches:
        spot = found.get(fmt.type_column) if fmt.type_column else None
        values = [r.cells[spot].strip() for r in sample if spot is not None and spot < len(r.cells)]
        if fmt.vouches_for(values):
            sure.append((fmt, found))
        else:
            unknown = list(dict.fromkeys(v for v in values if v and not fmt.knows_type(v)))[:3]
            refused.append((fmt, unknown))
    if not sure:
        fmt, unknown = refused[0]
        shown = ", ".join(f"“{v[:30]}”" for v in unknown)
        raise NeedsMapping(f"The header looks like {fmt.label}, but its types ({shown}…) are not ones "
                           f"{fmt.label} uses: say which column is what below.", header)
    if len(sure) > 1:
        (first, a), (second, b) = sure[0], sure[1]
        if first.score(a, header.names) - second.score(b, header.names) < TIE:
            raise NeedsMapping(f"The header fits both {first.label} and {second.label}: say which column is what "
                               "below, or choose the format.", header)
    return sure[0]


def parse_record(fmt, record, ctx):
    """Parse one record; a line that breaks the parser becomes a row with a problem, never an error page."""
    reason = not_data(record)
    if reason:
        return Row(line=record.line, skipped=reason[0], skip_kind=reason[1])
    try:
        return fmt.parse(record, ctx)
    except Exception:  # noqa: BLE001 - one odd line must not stop the import of the others
        log.exception("import: line %s could not be parsed as %s", record.line, fmt.name)
        return Row(line=record.line, problems=[Problem("", "This line cannot be read.")])
