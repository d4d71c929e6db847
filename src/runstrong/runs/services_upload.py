"""A whole history uploaded in pieces: started, appended to in order, resumed after a drop.

The protocol is ours, on ``Content-Range`` (``views_upload``): the browser asks
for an upload (name and size), sends the bytes in order a chunk at a time, and
after any failure asks how many bytes the server holds and goes on from there.
The bytes go to a part file in the data folder (``part_path``), never into
memory as a whole; ``received`` in the database moves after the bytes are
written, and what the server says it holds is the smaller of ``received`` and
the part file's size (``upload_offset``), so after a power cut the browser
resends whatever the disk lost (see ``_copy``). When the last byte is in, the
file is fsynced and the import queued (``services_history``), which keeps the
part file until the import ends.

Why not tus, the resumable-upload standard: its Django servers are django-tus,
unmaintained since 2020, and drf-tus, which needs Django REST framework, which
RunStrong does not use. What tus adds beyond these three requests (creation
with metadata, checksums, concatenation, expiry headers) nothing here needs.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import IO, Protocol

from django.conf import settings
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from runstrong.accounts.models import User
from runstrong.runs.models import HistoryImport, HistoryImportState

log = logging.getLogger(__name__)

MB = 1024 * 1024
GB = 1024 * MB
# Defaults of the settings of the same names (settings.py reads them from the environment).
DEFAULT_MAX_HISTORY_BYTES = 5 * GB
DEFAULT_USER_UPLOAD_BYTES = 10 * GB
# Read from the request and written to disk this much at a time: a chunk of any
# size costs the server a megabyte of memory.
PIECE = MB
# Free space an upload must leave on the data folder's disk, for the database,
# the import's temporary copies of nested zips, and everything else.
DISK_MARGIN = 512 * MB
# What a history comes as: a zip (Strava's, Garmin's, any), or one run file.
SUFFIXES = (".zip", ".gz", ".fit", ".gpx", ".tcx")
# An upload nobody has added to for this long is given up (``upload_clean_stale``).
STALE_AFTER = timedelta(days=7)
# The states whose bytes are on disk: uploading, or waiting to be imported.
HOLDING_DISK = (HistoryImportState.UPLOADING, HistoryImportState.QUEUED, HistoryImportState.RUNNING)


class Readable(Protocol):
    """Where a chunk's bytes come from: the request itself, read as a stream."""

    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(eq=False)  # not frozen: raising sets an exception's __traceback__
class UploadRefused(Exception):
    """An upload or a chunk refused: the HTTP status, a code a client acts on, and a
    sentence for the runner. ``offset`` is what the server holds, when it matters."""

    status: int
    code: str
    message: str
    offset: int | None = None

    def __str__(self) -> str:
        return self.message


def max_history_bytes() -> int:
    return int(getattr(settings, "RUNS_MAX_HISTORY_BYTES", DEFAULT_MAX_HISTORY_BYTES))


def user_upload_bytes() -> int:
    return int(getattr(settings, "RUNS_USER_UPLOAD_BYTES", DEFAULT_USER_UPLOAD_BYTES))


def uploads_dir() -> Path:
    return Path(settings.DATA_DIR) / "uploads"


def part_path(history: HistoryImport) -> Path:
    """Where an upload's bytes are kept, from its first chunk until its import ends."""
    return uploads_dir() / f"{history.key}.part"


def size_words(size: float) -> str:
    """A size as a person reads it: "312 MB", "1.2 GB"."""
    if size >= GB:
        return f"{size / GB:.1f} GB"
    if size >= MB:
        return f"{size / MB:.0f} MB"
    return f"{size / 1024:.0f} KB"


# ---------------------------------------------------------------------------
# Starting.


def upload_start(*, athlete: User, name: str, size: int) -> HistoryImport:
    """Make room for an upload of ``size`` bytes called ``name``, or say why not."""
    name = os.path.basename(name.replace("\\", "/")).strip()[:255]
    if not name.lower().endswith(SUFFIXES):
        raise UploadRefused(
            415,
            "wrong_type",
            f"“{name or 'That file'}” is not a history export: choose a zip (Strava's or "
            "Garmin's export as it comes), or a GPX, TCX or FIT file.",
        )
    if size <= 0:
        raise UploadRefused(422, "empty", f"“{name}” is empty: there is nothing to upload.")
    limit = max_history_bytes()
    if size > limit:
        raise UploadRefused(
            413,
            "too_large",
            f"“{name}” is {size_words(size)}; a history upload can be at most "
            f"{size_words(limit)}. Split the export, or import it on the server with "
            "`runstrong import`.",
        )
    upload_clean_stale()
    directory = uploads_dir()
    directory.mkdir(parents=True, exist_ok=True)
    with transaction.atomic():
        # One start at a time per runner, so two tabs cannot both fit in the quota.
        User.objects.select_for_update().filter(pk=athlete.pk).first()
        held = _bytes_held(athlete)
        quota = user_upload_bytes()
        if held + size > quota:
            raise UploadRefused(
                413,
                "over_quota",
                f"Your uploads still being sent or imported take {size_words(held)}; with "
                f"“{name}” ({size_words(size)}) that is over the {size_words(quota)} a runner "
                "may have waiting. Let those finish (or delete the unfinished ones) first.",
            )
        # Every upload still coming will need its remaining bytes too.
        still_coming = _bytes_to_come()
        if shutil.disk_usage(directory).free < size + still_coming + DISK_MARGIN:
            raise UploadRefused(
                507,
                "no_space",
                f"The server has no room for {size_words(size)} more just now. "
                "Try again later, or tell whoever runs it.",
            )
        history = HistoryImport.objects.create(athlete=athlete, name=name, size=size)
        # Made now, so a resumed upload always finds its file.
        part_path(history).touch(mode=0o600)
    return history


def _bytes_held(athlete: User) -> int:
    """Bytes of the runner's uploads kept on disk: still coming, or not yet imported."""
    total = HistoryImport.objects.filter(athlete=athlete, state__in=HOLDING_DISK).aggregate(
        total=Sum("size")
    )["total"]
    return int(total or 0)


def _bytes_to_come() -> int:
    remaining = HistoryImport.objects.filter(state=HistoryImportState.UPLOADING).aggregate(
        total=Sum(F("size") - F("received"))
    )["total"]
    return int(remaining or 0)


# ---------------------------------------------------------------------------
# Appending.


def upload_append(*, history: HistoryImport, offset: int, stream: Readable, length: int) -> int:
    """Write ``length`` bytes read from ``stream`` at ``offset`` of the upload; the
    bytes held afterwards. ``offset`` must be what the server holds (409 otherwise,
    with the right one). Bytes that did arrive before the stream broke are kept,
    so the browser goes on from there. The last byte queues the import.

    ``history`` as the caller just read it; what matters is read again under the
    part file's lock. Three queries a chunk: every one costs the upload time."""
    if not _already_in(history, offset, length):
        _write(history, offset=offset, stream=stream, length=length)
    if history.received == history.size and history.state == HistoryImportState.UPLOADING:
        # Also when a crash came between the last write and this: the resend queues it.
        _enqueue(history)
    return history.received


def _write(history: HistoryImport, *, offset: int, stream: Readable, length: int) -> None:
    path = part_path(history)
    with _locked(path, history) as part:
        # Another request may have added to it while this one waited for the lock.
        history.refresh_from_db(fields=["received", "state"])
        _reconcile(history, os.fstat(part.fileno()).st_size)
        if _already_in(history, offset, length):
            return
        if shutil.disk_usage(path.parent).free < length + DISK_MARGIN:
            raise UploadRefused(
                507,
                "no_space",
                "The server has run out of room for uploads just now: try again later.",
                offset=history.received,
            )
        written = _copy(stream, part, offset=offset, length=length, total=history.size)
        moved = HistoryImport.objects.filter(
            pk=history.pk, received=offset, state=HistoryImportState.UPLOADING
        ).update(received=offset + written, updated_at=timezone.now())
        if moved:
            history.received = offset + written
        else:  # pragma: no cover - the lock keeps other writers out
            history.refresh_from_db(fields=["received", "state"])


def upload_offset(history: HistoryImport) -> int:
    """How many bytes of the upload the server holds: what the database says came,
    unless the part file is shorter (a power cut took the last of it)."""
    try:
        on_disk = part_path(history).stat().st_size
    except FileNotFoundError:
        on_disk = 0 if history.state == HistoryImportState.UPLOADING else history.received
    return min(history.received, on_disk)


def _reconcile(history: HistoryImport, on_disk: int) -> None:
    """Bring ``received`` back to the part file's size if the file is shorter."""
    if history.state == HistoryImportState.UPLOADING and on_disk < history.received:
        log.warning("upload %s: %s bytes on disk, not %s", history.key, on_disk, history.received)
        HistoryImport.objects.filter(pk=history.pk, received=history.received).update(
            received=on_disk
        )
        history.received = on_disk


def _already_in(history: HistoryImport, offset: int, length: int) -> bool:
    """Whether the chunk is a resend of the last one, the upload complete (its
    answer was lost on the way); refuses one that does not fit."""
    if history.received == history.size and offset + length == history.size:
        return True
    if history.state != HistoryImportState.UPLOADING:
        raise UploadRefused(410, "gone", "That upload was stopped: start it again.")
    if offset < 0 or length < 0 or offset + length > history.size:
        raise UploadRefused(
            416,
            "past_the_end",
            f"That chunk ends past the {history.size} bytes this upload was started with.",
            offset=history.received,
        )
    if offset != history.received:
        raise _wrong_offset(offset, history)
    return False


def _wrong_offset(offset: int, history: HistoryImport) -> UploadRefused:
    return UploadRefused(
        409,
        "wrong_offset",
        f"The server holds {history.received} bytes of this upload, not {offset}: "
        "go on from there.",
        offset=history.received,
    )


@contextlib.contextmanager
def _locked(path: Path, history: HistoryImport) -> Iterator[IO[bytes]]:
    """The part file, open for writing and locked against a second writer: a
    browser that gave up on a chunk and sent it again while the server is still
    reading the first is told to wait (409 with the offset) rather than both
    writing the same place. Made again, empty, if it went missing (the uploads
    folder cleared by hand): the browser is then told to start from 0."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    with open(descriptor, "r+b") as part:
        try:
            fcntl.flock(part.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UploadRefused(
                409,
                "busy",
                "The server is still receiving an earlier try of this chunk: wait a moment.",
                offset=history.received,
            ) from None
        yield part


def _copy(stream: Readable, part: IO[bytes], *, offset: int, length: int, total: int) -> int:
    """Copy up to ``length`` bytes, a piece at a time, to ``part`` at ``offset``; the
    number copied (fewer when the stream ends early)."""
    part.seek(offset)
    written = 0
    try:
        while written < length:
            piece = stream.read(min(PIECE, length - written))
            if not piece:
                break  # the browser went away: keep what came
            part.write(piece)
            written += len(piece)
    except OSError as error:
        # The connection broke mid-read (reset, timed out): same as an early end.
        log.info("upload stream ended after %s of %s bytes: %s", written, length, error)
    # Anything past the new end is a leftover of an earlier broken try.
    part.truncate(offset + written)
    part.flush()
    if offset + written == total:
        # Once, before the import is queued: it must read what the disk holds.
        # Not after every chunk: an fsync costs a journal commit (~30 ms here;
        # 64 chunks of 8 MB with an fsync each took 2.4 s against 0.55 s for the
        # same 512 MB written then fsynced once), a third of the loopback upload's
        # time. Without it a power cut can lose the last chunks while the
        # database says they came; but journalling file systems in their default
        # modes (ext4's data=ordered, XFS) commit a file's new size only after
        # its data, so the part file is never longer than what it truly holds,
        # and ``upload_offset`` takes the smaller of the two.
        os.fsync(part.fileno())
    return written


def _enqueue(history: HistoryImport) -> None:
    # Imported here: services_history imports the task module, which imports
    # django_tasks' machinery; nothing of it is needed until an upload ends.
    from runstrong.runs import services_history

    services_history.history_import_enqueue(history=history)
    history.refresh_from_db()


# ---------------------------------------------------------------------------
# Cleaning up.


def upload_clean_stale(*, older_than: timedelta = STALE_AFTER) -> int:
    """Give up uploads nobody has added to for ``older_than``: their rows and part
    files go. Part files no upload names (its runner deleted the account, say)
    go too, once as old. Run whenever an upload starts, so a site needs no timer
    for it. Returns how many uploads were removed."""
    cutoff = timezone.now() - older_than
    stale = list(
        HistoryImport.objects.filter(state=HistoryImportState.UPLOADING, updated_at__lt=cutoff)
    )
    for history in stale:
        part_path(history).unlink(missing_ok=True)
        history.delete()
    directory = uploads_dir()
    if directory.is_dir():
        for path in directory.glob("*.part"):
            with contextlib.suppress(OSError, ValueError):  # not one of ours: left alone
                key = uuid.UUID(path.stem)
                if path.stat().st_mtime >= cutoff.timestamp():
                    continue
                if not HistoryImport.objects.filter(key=key).exists():
                    path.unlink()
    return len(stale)
