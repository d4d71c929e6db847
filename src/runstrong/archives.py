"""Reading a zip someone uploaded, within limits: pure, no Django.

Shared by the two places that take zips from people: ``runs/intake.py`` (a
watch's or Strava's export of run files) and ``accounts/portability.py`` (a
RunStrong export brought back). Both refuse the same things the same way: too
many entries, a member that unpacks far beyond what its kind of file reaches
(a zip bomb), a damaged archive; the export reader also refuses entry names
that would climb out of a folder.
"""

from __future__ import annotations

import re
import zipfile

MB = 1024 * 1024

# A ten-year Strava export holds a few thousand activities; its activity files
# rarely pass 2 GB unpacked.
MAX_MEMBERS = 20_000
MAX_ARCHIVE_UNPACKED = 2048 * MB
# Run files compress 5–30×, JSON and CSV 10–50×; deflate cannot beat ~1,030×.
# A large member far beyond that is a bomb, refused before it is read.
MAX_RATIO = 200
RATIO_CHECKED_FROM = 1 * MB


class ArchiveError(ValueError):
    """Why an archive, or one of its members, is refused: a sentence for a person."""


def bomb_problem(info: zipfile.ZipInfo, *, limit: int) -> str | None:
    """Why a member must not be read (declared larger than ``limit``, or compressed
    beyond what real files reach), or None."""
    if info.file_size > limit or (
        info.file_size > RATIO_CHECKED_FROM
        and info.file_size > MAX_RATIO * max(info.compress_size, 1)
    ):
        return (
            f"it unpacks to {info.file_size // MB:,} MB from {info.compress_size:,} bytes: "
            "refused as a possible zip bomb"
        )
    return None


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, *, limit: int) -> bytes:
    """The member's bytes, never more than ``limit`` of them whatever its header says.

    Raises ArchiveError for a bomb, a password, a bad CRC or a truncated member.
    """
    if info.flag_bits & 0x1:
        raise ArchiveError("it is password-protected in the archive")
    problem = bomb_problem(info, limit=limit)
    if problem is not None:
        raise ArchiveError(problem)
    try:
        with archive.open(info) as stream:
            # The declared size may lie: never read past the limit.
            content = stream.read(limit + 1)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError):
        raise ArchiveError("it is damaged inside the zip archive (bad CRC or truncated)") from None
    if len(content) > limit:
        raise ArchiveError(f"it unpacks to more than {limit // MB} MB: refused")
    return content


_DRIVE = re.compile(r"^[A-Za-z]:")


def unsafe_name(name: str) -> bool:
    """An entry name that is absolute, names a drive, or climbs with ``..``: written
    out by a careless unzip, it would land outside the folder it was meant for."""
    parts = re.split(r"[\\/]", name)
    return (
        name.startswith(("/", "\\"))
        or bool(_DRIVE.match(name))
        or any(part == ".." for part in parts)
        or "\x00" in name
    )
