"""The parsers on real files: FIT, TCX and GPX read right; every bad file refused with a reason."""

from __future__ import annotations

import csv
from datetime import UTC, datetime

import numpy as np
import pytest

from runstrong.runs.parsers import parse_bytes
from runstrong.runs.samples import ParseError
from tests.runs.conftest import (
    ACTIVITIES,
    billion_laughs,
    external_entity,
    gpx_run,
    gz,
    read,
)

SEMICIRCLE = 180 / 2**31


def expected_records() -> list[dict[str, str]]:
    with (ACTIVITIES / "fit" / "garmin-fenix-5-run-records.csv").open() as handle:
        return list(csv.DictReader(handle))


def pacific(text: str) -> datetime:
    """The CSV's times, e.g. 'Sun Jun 11 07:34:09 PDT 2017' (PDT is UTC-7)."""
    local = datetime.strptime(text.replace("PDT ", ""), "%a %b %d %H:%M:%S %Y")
    return (local.replace(tzinfo=UTC) + (datetime(2000, 1, 1, 7) - datetime(2000, 1, 1))).replace(
        tzinfo=UTC
    )


# ---------------------------------------------------------------------------
# FIT


def test_fit_run_matches_every_decoded_record_of_the_reference_csv() -> None:
    activity = parse_bytes(read("fit/garmin-fenix-5-run.fit"))
    samples = activity.samples
    rows = expected_records()

    assert len(samples) == len(rows) == 21
    assert activity.start == pacific(rows[0]["timestamp"])
    for index, row in enumerate(rows):
        when = activity.start.timestamp() + samples.t[index]
        assert when == pacific(row["timestamp"]).timestamp(), index
        assert samples.heart_rate[index] == float(row["heart_rate"]), index
        assert samples.distance_m[index] == pytest.approx(float(row["distance"]), abs=1e-9)
        assert samples.speed_m_s[index] == pytest.approx(float(row["speed"]), abs=1e-9)
        assert samples.altitude_m[index] == pytest.approx(float(row["altitude"]), abs=1e-9)
        assert samples.lat[index] == pytest.approx(int(row["position_lat"]) * SEMICIRCLE)
        assert samples.lon[index] == pytest.approx(int(row["position_long"]) * SEMICIRCLE)


def test_fit_run_is_a_run_with_its_device() -> None:
    activity = parse_bytes(read("fit/garmin-fenix-5-run.fit"))

    assert activity.sport == "running" and activity.is_run
    assert activity.source_format == "fit"
    assert activity.device.startswith("garmin")


def test_long_fit_run_has_plausible_distance_and_duration() -> None:
    samples = parse_bytes(read("fit/activity-small-fenix2-run.fit")).samples

    assert len(samples) == 2809
    assert 8_000 < np.nanmax(samples.distance_m) < 10_000
    assert 40 * 60 < np.nanmax(samples.t) < 60 * 60
    assert samples.has_heart_rate


def test_bike_ride_is_cycling_not_a_run() -> None:
    activity = parse_bytes(read("fit/garmin-fenix-5-bike.fit"))

    assert activity.sport == "cycling"
    assert not activity.is_run


def test_settings_file_is_refused_as_not_an_activity() -> None:
    with pytest.raises(ParseError, match="FIT settings file, not an activity"):
        parse_bytes(read("fit/Settings.fit"))


@pytest.mark.parametrize(
    ("relative", "reason"),
    [
        ("fit/invalid/activity-unexpected-eof.fit", "stops short: the file is truncated"),
        ("fit/invalid/activity-filecrc.fit", r"checksum \(CRC\) does not match"),
        ("fit/invalid/activity-settings-corruptheader.fit", "damaged FIT header"),
    ],
)
def test_damaged_fit_files_are_refused_with_what_is_wrong(relative: str, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        parse_bytes(read(relative))


def test_fit_with_a_damaged_first_header_is_refused() -> None:
    data = bytearray(read("fit/garmin-fenix-5-run.fit"))
    data[0] = 99

    with pytest.raises(ParseError, match="not a GPX, TCX or FIT file"):
        parse_bytes(bytes(data))


# ---------------------------------------------------------------------------
# TCX


def test_tcx_run_has_plausible_distance_duration_and_heart_rate() -> None:
    activity = parse_bytes(read("tcx/test.tcx"))
    samples = activity.samples

    assert activity.sport == "running" and activity.source_format == "tcx"
    assert activity.start == datetime(2012, 12, 26, 21, 29, 53, tzinfo=UTC)
    assert 4_500 < np.nanmax(samples.distance_m) < 5_000  # about three miles
    assert 30 * 60 < np.nanmax(samples.t) < 35 * 60
    assert samples.has_heart_rate and np.nanmin(samples.heart_rate) >= 60
    assert np.isfinite(samples.lat).sum() == 383  # the last point has no position


def test_tcx_without_heart_rate_reads_with_heart_rate_missing() -> None:
    samples = parse_bytes(read("tcx/no_hr.tcx")).samples

    assert len(samples) > 300
    assert not samples.has_heart_rate
    assert np.isnan(samples.heart_rate).all()
    assert samples.has_times and np.nanmax(samples.distance_m) > 4_000


def test_tcx_course_is_refused_as_not_a_recorded_activity() -> None:
    course = (
        b'<?xml version="1.0"?><TrainingCenterDatabase '
        b'xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2">'
        b"<Courses><Course><Name>Loop</Name></Course></Courses></TrainingCenterDatabase>"
    )

    with pytest.raises(ParseError, match="a course"):
        parse_bytes(course)


# ---------------------------------------------------------------------------
# GPX


def test_gpx_track_has_plausible_distance_and_duration() -> None:
    activity = parse_bytes(read("gpx/cerknicko-jezero.gpx"))
    samples = activity.samples

    assert activity.source_format == "gpx"
    assert activity.start == datetime(2010, 8, 5, 14, 23, 59, tzinfo=UTC)
    assert 12_000 < np.nanmax(samples.distance_m) < 16_000  # around the lake
    assert 1.5 * 3600 < np.nanmax(samples.t) < 2.5 * 3600
    assert np.all(np.diff(samples.distance_m) >= 0)
    assert not samples.has_heart_rate


def test_gpx_without_times_reads_with_times_missing() -> None:
    timed = parse_bytes(read("gpx/cerknicko-jezero.gpx")).samples
    activity = parse_bytes(read("gpx/cerknicko-without-times.gpx"))

    assert activity.start is None
    assert not activity.samples.has_times and np.isnan(activity.samples.t).all()
    # The distance comes from the positions, the same as with times.
    assert np.nanmax(activity.samples.distance_m) == pytest.approx(np.nanmax(timed.distance_m))


def test_gpx_heart_rate_and_cadence_come_from_garmins_extension() -> None:
    activity = parse_bytes(gpx_run(points=60))

    assert activity.sport == "running" and activity.name == "Morning run"
    assert activity.samples.heart_rate[:5].tolist() == [140, 141, 142, 143, 144]
    assert (activity.samples.cadence == 88).all()
    assert np.nanmax(activity.samples.t) == 590
    assert np.nanmax(activity.samples.distance_m) == pytest.approx(59 * 30.0, rel=0.01)


def test_gpx_with_an_empty_segment_reads_the_points_it_has() -> None:
    activity = parse_bytes(read("gpx/track-with-empty-segment.gpx"))

    assert len(activity.samples) == 9
    assert np.nanmax(activity.samples.t) == 76
    assert 50 < np.nanmax(activity.samples.distance_m) < 150


def test_gpx_starting_with_a_byte_order_mark_is_read() -> None:
    # The file itself holds one waypoint and no track: read, then refused for that.
    with pytest.raises(ParseError, match=r"no track or route points \(only 1 waypoint\)"):
        parse_bytes(read("gpx/unicode_with_bom.gpx"))
    # The same mark before a real track does not get in the way.
    with_mark = b"\xef\xbb\xbf" + read("gpx/cerknicko-jezero.gpx")
    assert len(parse_bytes(with_mark).samples) == 296


def test_xml_entity_bomb_is_refused_without_expanding() -> None:
    with pytest.raises(ParseError, match="entity bomb"):
        parse_bytes(billion_laughs())


def test_external_entity_is_refused() -> None:
    with pytest.raises(ParseError, match="refused"):
        parse_bytes(external_entity())


def test_truncated_xml_is_refused_as_truncated() -> None:
    data = read("tcx/test.tcx")

    with pytest.raises(ParseError, match="truncated"):
        parse_bytes(data[: len(data) // 2])


def test_other_xml_is_refused_as_neither_gpx_nor_tcx() -> None:
    with pytest.raises(ParseError, match="neither GPX nor TCX"):
        parse_bytes(b'<?xml version="1.0"?><kml><Document/></kml>')


# ---------------------------------------------------------------------------
# Detection and gzip


def test_gzipped_file_reads_like_the_plain_one() -> None:
    plain = parse_bytes(read("tcx/test.tcx"))
    packed = parse_bytes(gz(read("tcx/test.tcx")))

    assert packed.start == plain.start
    assert np.array_equal(packed.samples.distance_m, plain.samples.distance_m)


def test_gzip_bomb_is_refused_after_the_limit() -> None:
    bomb = gz(b"<" + b" " * (80 * 1024 * 1024))

    with pytest.raises(ParseError, match="unpacks to more than 64 MB"):
        parse_bytes(bomb)


def test_truncated_gzip_is_refused_as_truncated() -> None:
    data = gz(read("tcx/test.tcx"))

    with pytest.raises(ParseError, match="truncated"):
        parse_bytes(data[: len(data) // 2])


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"  \n", "empty"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "not a GPX, TCX or FIT file"),
        (b"lat,lon\n45,14\n", "not a GPX, TCX or FIT file"),
    ],
)
def test_empty_and_unknown_files_are_refused(data: bytes, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        parse_bytes(data)
