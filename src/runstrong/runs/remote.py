"""Uploading run files to a RunStrong site (``runstrong import PATH… --server URL``).

The files go as they are (GPX, TCX, FIT, gzipped, or zips of them) to the
site's ``POST /api/v1/runs``, which reads them with the upload page's intake
and limits. They go in requests of at most ``MAX_FILES`` files and
``max_bytes`` bytes; a request whose outcome is unknown (no answer, 5xx, 429)
is sent again after a pause, which is harmless: the site reports a file it
already holds as a duplicate. Standard library only, like the workout sender.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runstrong.workouts.remote import Answer, Client, ServerError, Unreachable, backoff_delay

MB = 1024 * 1024
MAX_FILES = 50  # the upload page's files per request
MAX_BYTES = 90 * MB  # under the site's default 100 MB, with room for the multipart
ATTEMPTS = 6


@dataclass(frozen=True, slots=True)
class FileOutcome:
    name: str
    status: str  # imported, duplicate, error
    message: str


def batches(
    paths: Sequence[Path], *, max_files: int = MAX_FILES, max_bytes: int = MAX_BYTES
) -> Iterator[list[Path]]:
    """The files in order, grouped within the per-request limits (a file over
    ``max_bytes`` alone in its group, for the site to refuse with its sentence)."""
    group: list[Path] = []
    size = 0
    for path in paths:
        length = path.stat().st_size
        if group and (len(group) >= max_files or size + length > max_bytes):
            yield group
            group, size = [], 0
        group.append(path)
        size += length
    if group:
        yield group


def multipart(files: Sequence[tuple[str, bytes]], field: str = "uploads") -> tuple[str, bytes]:
    """A multipart/form-data body with one part per file: its content type and bytes."""
    boundary = f"runstrong-{uuid.uuid4().hex}"
    parts: list[bytes] = []
    for name, content in files:
        safe = name.replace('"', "_").replace("\r", "_").replace("\n", "_")
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
            f'filename="{safe}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
        )
        parts.append(content)
        parts.append(b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}", b"".join(parts)


def upload(
    client: Client,
    paths: Sequence[Path],
    *,
    max_bytes: int = MAX_BYTES,
    sleep: Callable[[float], None] = time.sleep,
    on_batch: Callable[[list[FileOutcome]], None] | None = None,
) -> list[FileOutcome]:
    """Send every file; each one's outcome as the site reports it.

    Raises ServerError when the site refuses in a way that sending again cannot
    change (a bad or read-only token), or stays out of reach."""
    outcomes: list[FileOutcome] = []
    for group in batches(paths, max_bytes=max_bytes):
        content_type, body = multipart([(path.name, path.read_bytes()) for path in group])
        answer = _send(client, content_type, body, sleep)
        if answer.status == 201 and isinstance(answer.body, dict):
            found = [
                FileOutcome(str(item["name"]), str(item["status"]), str(item.get("message", "")))
                for item in answer.body.get("files", [])
            ]
        elif answer.status in (413, 422):
            found = [FileOutcome(path.name, "error", answer.message) for path in group]
        elif answer.status in (401, 403):
            raise ServerError(f"{client.url} refused the upload: {answer.message}")
        else:
            raise ServerError(f"{client.url} answered {answer.status}: {answer.message}")
        outcomes.extend(found)
        if on_batch is not None:
            on_batch(found)
    return outcomes


def _send(client: Client, content_type: str, body: bytes, sleep: Callable[[float], None]) -> Answer:
    last: Any = None
    for attempt in range(ATTEMPTS):
        try:
            answer = client.request_bytes("POST", "/runs", body, content_type)
        except Unreachable as error:
            last = error
        else:
            if answer.status == 429:
                sleep(answer.retry_after or backoff_delay(attempt))
                last = ServerError(answer.message)
                continue
            if answer.status < 500 and answer.body is not None:
                return answer
            last = ServerError(f"{client.url} answered {answer.status}: {answer.message}")
        sleep(backoff_delay(attempt))
    raise ServerError(f"{last}; gave up after {ATTEMPTS} tries") from None
