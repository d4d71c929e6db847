"""Where the real activity files are, and small builders of files for the runs tests."""

from __future__ import annotations

import gzip
import io
import zipfile

from tests.conftest import REPO

# Beside the repository, never copied into it (see shared/data/activities/SOURCES.md).
ACTIVITIES = REPO.parent / "shared" / "data" / "activities"

GOOD_FILES = [
    "fit/garmin-fenix-5-run.fit",
    "fit/activity-small-fenix2-run.fit",
    "fit/garmin-fenix-5-bike.fit",
    "tcx/test.tcx",
    "gpx/cerknicko-jezero.gpx",
    "gpx/track-with-empty-segment.gpx",
]
BAD_FILES = [
    "fit/Settings.fit",
    "fit/invalid/activity-unexpected-eof.fit",
    "fit/invalid/activity-settings-corruptheader.fit",
    "fit/invalid/activity-filecrc.fit",
    "gpx/unicode_with_bom.gpx",
]


def read(relative: str) -> bytes:
    return (ACTIVITIES / relative).read_bytes()


def gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def billion_laughs() -> bytes:
    entities = "\n".join(f'  <!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10))
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE gpx [\n  <!ENTITY lol0 "lol">\n'
        f"{entities}\n]>\n"
        '<gpx version="1.1" creator="x" xmlns="http://www.topografix.com/GPX/1/1">'
        "<trk><name>&lol9;</name><trkseg>"
        '<trkpt lat="45.0" lon="14.0"><time>2020-01-01T10:00:00Z</time></trkpt>'
        "</trkseg></trk></gpx>"
    ).encode()


def external_entity() -> bytes:
    return (
        b'<?xml version="1.0"?>\n<!DOCTYPE gpx [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n'
        b'<gpx version="1.1" creator="x" xmlns="http://www.topografix.com/GPX/1/1">'
        b"<trk><name>&secret;</name><trkseg>"
        b'<trkpt lat="45.0" lon="14.0"><time>2020-01-01T10:00:00Z</time></trkpt>'
        b"</trkseg></trk></gpx>"
    )


def gpx_run(
    *, start: str = "2024-03-01T07:00:00Z", points: int = 120, heart_rate: bool = True
) -> bytes:
    """A GPX 1.1 run with Garmin's TrackPointExtension: one point every 10 s, ~3 m/s north."""
    from datetime import datetime, timedelta

    began = datetime.fromisoformat(start)
    rows = []
    for index in range(points):
        when = (began + timedelta(seconds=10 * index)).strftime("%Y-%m-%dT%H:%M:%SZ")
        extension = (
            "<extensions><gpxtpx:TrackPointExtension>"
            f"<gpxtpx:hr>{140 + index % 5}</gpxtpx:hr><gpxtpx:cad>88</gpxtpx:cad>"
            "</gpxtpx:TrackPointExtension></extensions>"
            if heart_rate
            else ""
        )
        rows.append(
            f'<trkpt lat="{45.0 + index * 0.00027:.6f}" lon="14.000000">'
            f"<ele>{300 + index % 7}</ele><time>{when}</time>{extension}</trkpt>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1" '
        'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">'
        "<trk><name>Morning run</name><type>running</type><trkseg>"
        + "".join(rows)
        + "</trkseg></trk></gpx>"
    ).encode()
