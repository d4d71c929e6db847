"""What text written by people may hold: one rule for names, comments, clubs and program files.

Pure Python (no Django), so the accounts, the community and the program
catalog share it without importing each other. Control characters are never
meant: NUL cannot even be stored on PostgreSQL, and an invisible direction
control such as U+202E (right-to-left override) reverses whatever is shown
after it. Forms and services strip them (``clean_line``, ``clean_block``); a
program file, which its author can fix, is refused instead (``first_unwanted``).
Pages still isolate each piece of user text (``<bdi>``, ``dir="auto"``), so
right-to-left names read correctly beside the rest of a line.
"""

from __future__ import annotations

import unicodedata

# Format characters that text needs: the zero-width non-joiner and joiner
# (Persian and Indic scripts; emoji sequences such as the woman runner, which
# is a runner, a joiner and a female sign), and the tag characters of the
# Scottish, Welsh and English flags.
_JOINERS = frozenset("\u200c\u200d")
_TAGS = range(0xE0020, 0xE0080)

# Line and paragraph separators read as a line break in text that has lines.
_LINE_BREAKS = str.maketrans({"\r": "\n", "\u2028": "\n", "\u2029": "\n"})


def unwanted(character: str, *, multiline: bool = False) -> bool:
    """A character nobody means to type: a control character (other than a line
    break or a tab in text with lines), a lone surrogate (not UTF-8), or an
    invisible format character such as a direction override."""
    if multiline and character in "\n\t":
        return False
    category = unicodedata.category(character)
    if category == "Cf":
        return character not in _JOINERS and ord(character) not in _TAGS
    return category in {"Cc", "Cs"}


def clean_line(text: str) -> str:
    """One line of text as shown beside others (a name): unwanted characters
    dropped, any run of spaces, tabs or line breaks made one space, ends trimmed."""
    # Whitespace controls (tab, line breaks) become spaces rather than vanish,
    # so "Ann\nLee" reads "Ann Lee"; split() then folds every run of them.
    kept = "".join(ch for ch in text if ch.isspace() or not unwanted(ch))
    return " ".join(kept.split())


def clean_block(text: str) -> str:
    """Text with lines (a comment, a description): line breaks made ``\\n``,
    unwanted characters dropped, blank ends trimmed."""
    lines = text.replace("\r\n", "\n").translate(_LINE_BREAKS)
    return "".join(ch for ch in lines if not unwanted(ch, multiline=True)).strip()


def first_unwanted(text: str, *, multiline: bool = False) -> str | None:
    """The first unwanted character in ``text``, named for a message ("U+202E"), or None."""
    if text.isprintable():
        return None  # the usual case, checked in C: no control or format character at all
    for character in text:
        if unwanted(character, multiline=multiline):
            return f"U+{ord(character):04X}"
    return None
