"""Which parser a file needs, judged from its content; gzip unpacked within limits.

Pure (no Django). File names lie (``.gpx`` files that are TCX, ``.fit.gz``
files that are not gzipped), so the name is only used in messages.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Callable

from runstrong.runs.parsers import fit, gpx, tcx
from runstrong.runs.samples import Activity, ParseError

MB = 1024 * 1024
# The largest activity file accepted, once unpacked. A ten-hour TCX with every
# extension is about 20 MB; anything far larger is not a run.
MAX_FILE_BYTES = 64 * MB

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def gunzip(data: bytes, *, limit: int = MAX_FILE_BYTES) -> bytes:
    """The unpacked content, read no further than ``limit`` bytes (a gzip bomb is
    refused after reading the limit, never expanded in full)."""
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            content = stream.read(limit + 1)
    except (OSError, EOFError, zlib.error) as error:
        if isinstance(error, EOFError) or "end-of-stream" in str(error):
            raise ParseError("the gzip data stops short: the file is truncated") from None
        raise ParseError("it is not valid gzip data (damaged?)") from None
    if len(content) > limit:
        raise ParseError(
            f"it unpacks to more than {limit // MB} MB from {_size(len(data))} "
            "compressed: refused (a compression bomb, or not a single activity)"
        )
    return content


def sniff(content: bytes) -> str:
    """``fit``, ``gpx``, ``tcx``, or ParseError saying what the file looks like instead."""
    if not content.strip():
        raise ParseError("the file is empty")
    if len(content) >= 12 and content[0] in (12, 14) and content[8:12] == b".FIT":
        return "fit"
    if content.startswith(GZIP_MAGIC):
        raise ParseError("it is gzip inside gzip, which is not accepted")
    if content.startswith(ZIP_MAGIC):
        raise ParseError("it is a zip archive inside an archive, which is not accepted")
    head = _xml_head(content)
    if head is not None:
        if "<gpx" in head:
            return "gpx"
        if "<TrainingCenterDatabase" in head:
            return "tcx"
        raise ParseError("it is XML, but neither GPX nor TCX")
    raise ParseError("it is not a GPX, TCX or FIT file")


_PARSERS: dict[str, Callable[[bytes], Activity]] = {
    "fit": fit.parse,
    "gpx": gpx.parse,
    "tcx": tcx.parse,
}


def parse_content(content: bytes) -> Activity:
    """An Activity from a file's unpacked content, whatever its format."""
    if len(content) > MAX_FILE_BYTES:
        raise ParseError(f"it is larger than {MAX_FILE_BYTES // MB} MB: not a single activity")
    return _PARSERS[sniff(content)](content)


def parse_legs(content: bytes) -> list[Activity]:
    """``parse_content``, but a multisport FIT file as one Activity per leg."""
    if len(content) <= MAX_FILE_BYTES and sniff(content) == "fit":
        return fit.parse_legs(content)
    return [parse_content(content)]


def unpack(data: bytes) -> bytes:
    """The file's content: gzip unpacked (within limits), anything else as it is."""
    return gunzip(data) if data.startswith(GZIP_MAGIC) else data


def parse_bytes(data: bytes) -> Activity:
    """An Activity from a file as uploaded (possibly gzipped), or ParseError."""
    return parse_content(unpack(data))


def _xml_head(content: bytes) -> str | None:
    """The first few KB as text when the file looks like XML (after any byte-order mark)."""
    head = content[:4096]
    encoding = "utf-8"
    if head.startswith(_BOMS[1]):
        encoding = "utf-16-le"
    elif head.startswith(_BOMS[2]):
        encoding = "utf-16-be"
    text = head.decode(encoding, errors="ignore").lstrip("\ufeff \t\r\n")
    return text if text.startswith("<") else None


def _size(count: int) -> str:
    return f"{count / MB:.1f} MB" if count >= MB else f"{max(1, count // 1024)} KB"
