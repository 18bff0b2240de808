"""Carry a previewed file to the confirm step inside the form itself: compressed, base64, in form-sized pieces."""

import base64
import binascii
import zlib

from app.imports.rows import ImportFailed

DAMAGED = "The confirmation form arrived damaged: upload the file again."


def pack(text, piece=400_000):
    """Return the text compressed and base64-encoded, cut into pieces of at most `piece` characters."""
    data = base64.b64encode(zlib.compress(text.encode("utf-8"), 6)).decode("ascii")
    return [data[i:i + piece] for i in range(0, len(data), piece)] or [""]


def unpack(pieces, limit):
    """Return the text from its pieces; raise ImportFailed when they are damaged or unpack to over `limit` bytes."""
    try:
        raw = base64.b64decode("".join(pieces), validate=True)
        inflater = zlib.decompressobj()
        data = inflater.decompress(raw, limit + 1)
        if len(data) > limit or inflater.unconsumed_tail:
            raise ImportFailed("The file is too large.")
        if not inflater.eof:
            raise ImportFailed(DAMAGED)
        return data.decode("utf-8")
    except (binascii.Error, zlib.error, UnicodeDecodeError, ValueError) as exc:
        if isinstance(exc, ImportFailed):
            raise
        raise ImportFailed(DAMAGED) from exc
