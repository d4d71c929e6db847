"""Reading GPX and TCX safely: defusedxml's streaming parser, with XML's errors in plain words.

Entities are refused outright (defusedxml's default): an internal entity can
expand a few hundred bytes into gigabytes (the "billion laughs"), an external
one can read files on the server. Neither has any use in a run file. The tree
is read as a stream and each point is cleared once read, so memory stays small
whatever the file's size.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from xml.etree.ElementTree import Element
from xml.etree.ElementTree import ParseError as XMLSyntaxError

import defusedxml  # type: ignore[import-untyped]
import defusedxml.ElementTree  # type: ignore[import-untyped]

from runstrong.runs.samples import ParseError


def local(tag: str) -> str:
    """An element's name without its namespace: ``{http://…}trkpt`` → ``trkpt``."""
    return tag.rpartition("}")[2]


def events(data: bytes) -> Iterator[tuple[str, Element]]:
    """("start" | "end", element) pairs, with XML's errors turned into ParseError."""
    with _plain_errors():
        yield from defusedxml.ElementTree.iterparse(io.BytesIO(data), events=("start", "end"))


@contextmanager
def _plain_errors() -> Iterator[None]:
    try:
        yield
    except defusedxml.EntitiesForbidden:
        raise ParseError(
            "it declares XML entities, which are refused: they can expand a small file "
            "into gigabytes (an 'entity bomb') or read other files"
        ) from None
    except (defusedxml.ExternalReferenceForbidden, defusedxml.DTDForbidden):
        raise ParseError("it refers to an external document, which is refused") from None
    except defusedxml.DefusedXmlException as error:
        raise ParseError(f"it uses an XML feature that is refused ({error})") from None
    except XMLSyntaxError as error:
        line, column = error.position
        if "no element found" in str(error):
            raise ParseError(f"the XML stops short at line {line}: the file is truncated") from None
        raise ParseError(f"the XML is malformed at line {line}, column {column + 1}") from None


def text_of(element: Element | None) -> str | None:
    if element is None or element.text is None:
        return None
    return element.text.strip() or None
