"""The upload form: one or more run files, or a zip of a bulk export, within size limits.

The form checks counts and sizes; what each file holds is the parsers' business,
reported per file on the results page.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload

MB = 1024 * 1024
# One request: a zip of a few hundred runs fits easily; a whole multi-year
# export with photos belongs to `runstrong import`, which has no such limit.
# ``RUNS_MAX_UPLOAD_BYTES`` in the settings changes it.
DEFAULT_MAX_UPLOAD_BYTES = 100 * MB
# Up to Django's DATA_UPLOAD_MAX_NUMBER_FILES (100) this form says so; past it
# Django's parser stops first and the upload view gives the same advice.
MAX_FILES = 50
# New files read per request: parsing costs ~0.1–0.3 s a run of an hour or two
# recorded every second, and a web request must finish inside the server's
# time-out (90 s in runstrong.server).
MAX_NEW_FILES = 60
ACCEPT = ".gpx,.tcx,.fit,.gz,.zip"


def max_upload_bytes() -> int:
    return int(getattr(settings, "RUNS_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


class UploadLimit(FileUploadHandler):
    """Stops reading an upload as soon as it passes the limit, so an
    oversized request never fills the disk before the form can refuse it."""

    def __init__(self, limit: int | None = None) -> None:
        super().__init__()
        self.limit = max_upload_bytes() if limit is None else limit
        self.received = 0
        self.exceeded = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.exceeded = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> UploadedFile | None:
        return None


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, list | tuple) and data:
            return [single(item, initial) for item in data]
        if isinstance(data, list | tuple):
            data = None  # nothing chosen: the "required" message
        return [single(data, initial)]


class UploadForm(forms.Form):
    uploads = MultipleFileField(
        label="Run files",
        error_messages={"required": "Choose at least one file to upload."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["uploads"].help_text = (
            "GPX, TCX or FIT files (gzipped is fine), or a zip of a Strava or Garmin "
            f"export. Up to {MAX_FILES} files and {max_upload_bytes() // MB} MB at a time."
        )

    def clean_uploads(self) -> list[UploadedFile]:
        files: list[UploadedFile] = self.cleaned_data["uploads"]
        if len(files) > MAX_FILES:
            raise forms.ValidationError(
                f"That is {len(files)} files; upload at most {MAX_FILES} at a time, "
                "or put them in one zip."
            )
        total = sum(upload.size or 0 for upload in files)
        if total > max_upload_bytes():
            raise forms.ValidationError(
                f"That is {total / MB:.0f} MB; upload at most {max_upload_bytes() // MB} MB "
                "at a time."
            )
        return files

    def named_contents(self) -> list[tuple[str, bytes]]:
        return [(upload.name or "upload", upload.read()) for upload in self.cleaned_data["uploads"]]
