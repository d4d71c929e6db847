"""What one run file says: distance, times, paces, climbing, heart rate, efficiency (pure).

``compute`` turns an ``samples.Activity`` into ``RunMetrics``; ``chart_series``
turns its samples into the few hundred points the run page draws. Nothing
here imports Django, so the import service, the CLI and the tests share it.

Definitions (each constant below says why it has its value):

- **Half-filled records**: some watches (Suunto's among them) write heart rate
  and position in alternating records. A record without a position, in a file
  that has positions, whose distance is only the one before it carried forward,
  gets its distance interpolated in time between the records around it; carried
  forward, it made the runner stop and sprint every other second. Two records
  stamped in the same second make a stretch of no time that keeps its
  distance: left out, it counted in the average speed but not in the
  grade-adjusted one (which read half the average on such a watch's file).
- **Clock jumps**: a gap between two records of 12 hours or more is the device's
  clock jumping, never time spent in one run; so is a gap of an hour or more
  across which the runner covered what one ordinary record interval takes at the
  pace on either side (within a factor of 3): the recording never stopped, its
  clock moved. A jump counts as one ordinary interval; the time taken out is kept
  (``clock_jump_s``) so the run page can say the clock jumped. A real pause
  (standing still, or walking off with the watch paused) stays elapsed time.
- **Moving**: a stretch between two recorded points counts as moving when the
  speed over a 10-second window around it is at least 0.5 m/s (1.8 km/h,
  slower than any walk). Auto-pause gaps and standing at a crossing fall out.
- **Grade-adjusted speed**: each stretch's distance is weighted by the energy
  cost of running on its slope relative to the flat, from Minetti et al.
  (2002)'s polynomial fit Cr(i) (J/kg/m, i = grade as a fraction). Altitude
  is first put on a 5-metre distance grid and averaged over 65 metres, since
  raw GPS and barometer altitudes jitter by metres from one point to the
  next; grades are clamped to ±0.45, the steepest slopes the study measured.
- **Elevation gain**: climbs on the smoothed altitude that rise at least
  2 metres from the lowest point before them (hysteresis), so jitter that
  survives smoothing adds nothing.
- **Runs only**: a file whose sport is not running gets no grade adjustment,
  no EF and never qualifies; one that does not say its sport is measured as a
  run but does not qualify either (it could be a ride).
- **Steady running**: after the first 10 minutes of moving time (the
  warm-up, when heart rate still lags the effort), a stretch is steady when
  it is moving, heart rate is recorded and plausible (40–230 bpm), the points
  are at most 20 s apart, and the grade-adjusted speed over a 30-second window
  is within ±15% of the run's median grade-adjusted speed (time-weighted,
  after the warm-up). A run **qualifies** for the efficiency trend with at
  least 20 minutes of steady running, and when it is not run as intervals.
- **Steady, not intervals**: EF and decoupling describe a steady aerobic
  effort. Friel, who gave the ratio its use (Friel 2011, on his blog: the
  workouts compared must be much alike), and TrainingPeaks, which named it
  (help page "Aerobic Decoupling and Efficiency Factor"), take it only from
  aerobic, steady-state work: in intervals the faster bouts draw on anaerobic
  energy, heart rate lags each change of pace, and the jogs after a repeat carry
  the repeat's heart rate. A run is taken as intervals when, after the warm-up,
  it has more than 2 surges: a surge starts when the 30-second grade-adjusted
  speed rises over 20% above the median and ends when it falls back to the
  median, and counts when it spends at least 30 s above that mark. One long fast
  stretch (a progression, a tempo finish) is one surge, so it is not intervals;
  repeats, fartlek and hill repeats (grade-adjusted, a climb is a surge of
  effort) are. Such a run keeps its figures but not its place in the trend.
- **Efficiency factor (EF)**: grade-adjusted speed ÷ average heart rate over
  the steady stretches (TrainingPeaks' definition), in metres per minute per
  beat; ``ef_yards`` gives the same in yards per minute per beat, as Friel
  quotes it. It needs at least 10 minutes of steady running.
- **Aerobic decoupling**: the steady stretches are split into a first and a
  second half of equal steady time; decoupling is the drop of EF from the
  first half to the second, in percent of the first (positive = heart rate
  drifted up for the same grade-adjusted speed).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from runstrong.runs.samples import Activity, FloatArray, Samples, distance_along

METRICS_VERSION = 2  # bump when a definition changes, so stored metrics can be recomputed

MOVING_SPEED_M_S = 0.5
MOVING_WINDOW_S = 10.0
STEADY_WINDOW_S = 30.0
WARM_UP_S = 10 * 60.0
STEADY_BAND = 0.15
STEADY_MAX_GAP_S = 20.0
HEART_RATE_RANGE = (40.0, 230.0)
MIN_STEADY_FOR_EF_S = 10 * 60.0
QUALIFYING_STEADY_S = 20 * 60.0
ALTITUDE_GRID_M = 5.0
ALTITUDE_SMOOTHING_M = 65.0
GAIN_THRESHOLD_M = 2.0
MAX_GRADE = 0.45
CHART_POINTS = 500
# Clock jumps: a gap this long between two records is never time spent in one run…
CLOCK_JUMP_ALWAYS_S = 12 * 3600.0
# …and one this long is a jump when the runner moved across it as in one ordinary
# record interval, at the pace before and after (within this factor), that pace
# measured over this window on each side.
CLOCK_JUMP_MIN_S = 3600.0
CONTINUITY_FACTOR = 3.0
CONTINUITY_WINDOW_S = 30.0
# Steady, not intervals (see the module docstring).
SURGE_ABOVE_MEDIAN = 0.20
SURGE_MIN_S = 30.0
MAX_SURGES = 2

METRES_PER_YARD = 0.9144

# Every figure that can be unavailable, as named in RunMetrics.
FIGURES = (
    "distance_m",
    "elapsed_s",
    "moving_s",
    "avg_speed_m_s",
    "gap_speed_m_s",
    "elevation_gain_m",
    "avg_heart_rate",
    "steady_s",
    "ef",
    "decoupling_pct",
    "qualifies",
)
NO_TIMES = "no timestamps in the file"
NO_HEART_RATE = "no heart rate in the file"
NO_DISTANCE = "no distances or positions in the file"
NO_ELEVATION = "no elevation in the file"
NO_SAMPLES = "no recorded points in the file"


def minetti_cost(grade: float | FloatArray) -> Any:
    """Energy cost of running (J/kg/m) at ``grade`` (a fraction), Minetti et al. (2002).

    Cr(i) = 155.4 i⁵ − 30.4 i⁴ − 43.3 i³ + 46.3 i² + 19.5 i + 3.6, with the
    grade clamped to the ±0.45 the study covered (the fit bends away beyond).
    """
    i = np.clip(grade, -MAX_GRADE, MAX_GRADE)
    return ((((155.4 * i - 30.4) * i - 43.3) * i + 46.3) * i + 19.5) * i + 3.6


FLAT_COST = 3.6  # minetti_cost(0)


def efficiency_factor(speed_m_s: float, heart_rate: float) -> float:
    """Metres per minute per beat: speed in m/min divided by beats per minute."""
    return speed_m_s * 60.0 / heart_rate


def ef_in_yards(ef_metres: float) -> float:
    return ef_metres / METRES_PER_YARD


@dataclasses.dataclass(frozen=True)
class RunMetrics:
    """One run's figures in SI units; None where the file cannot support the figure.

    ``unavailable`` maps a field name to the reason it is None (or, for
    ``qualifies``, why the run does not count), in words an athlete reads.
    """

    distance_m: float | None = None
    elapsed_s: float | None = None
    moving_s: float | None = None
    avg_speed_m_s: float | None = None
    gap_speed_m_s: float | None = None
    elevation_gain_m: float | None = None
    avg_heart_rate: float | None = None
    steady_s: float | None = None
    ef: float | None = None  # metres per minute per beat
    decoupling_pct: float | None = None
    qualifies: bool = False
    # False when the file has no altitude: speeds were taken as on the flat.
    grade_adjusted: bool = False
    # Seconds of the device's clock jumping, taken out of the elapsed time (0: none).
    clock_jump_s: float = 0.0
    # Surges well above the median pace after the warm-up (see the module docstring).
    surges: int | None = None
    unavailable: dict[str, str] = dataclasses.field(default_factory=dict)
    version: int = METRICS_VERSION

    @property
    def ef_yards(self) -> float | None:
        """EF in yards per minute per beat, the unit Friel's examples use."""
        return None if self.ef is None else ef_in_yards(self.ef)

    def reason(self, name: str) -> str | None:
        return self.unavailable.get(name)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> RunMetrics:
        """Read stored metrics back; unknown keys (from a later version) are ignored."""
        if not data:
            return cls(unavailable={"qualifies": "metrics not computed yet"}, version=0)
        names = {field.name for field in dataclasses.fields(cls)}
        known = {key: value for key, value in data.items() if key in names}
        known["unavailable"] = dict(known.get("unavailable") or {})
        return cls(**known)


# ---------------------------------------------------------------------------
# Preparing the columns.


def _fill_by_index(values: FloatArray) -> FloatArray:
    """Missing values interpolated from their neighbours by position (ends held)."""
    finite = np.isfinite(values)
    if finite.all() or not finite.any():
        return values
    index = np.arange(values.shape[0], dtype=np.float64)
    return np.interp(index, index[finite], values[finite])


def _recorded_distance(samples: Samples) -> FloatArray | None:
    """Cumulative distance as recorded (gaps carried forward by the parser), from 0."""
    distance = samples.distance_m
    if np.isfinite(distance).sum() < 2:
        # Samples built elsewhere than by a parser (which fills this already).
        distance = distance_along(samples.lat, samples.lon)
    if np.isfinite(distance).sum() < 2:
        return None
    filled = _fill_by_index(distance)
    # Cumulative distance never goes back; a device's small corrections would
    # otherwise count as negative stretches.
    monotonic: FloatArray = np.maximum.accumulate(filled)
    shifted: FloatArray = monotonic - monotonic[0]
    return shifted


def _half_filled(samples: Samples, distance: FloatArray) -> Any:
    """Records that carry no position in a file that records positions, and whose
    distance is only the previous record's carried forward: a record some watches
    (Suunto's among them) write for heart rate alone, between two position records."""
    placed = np.isfinite(samples.lat) & np.isfinite(samples.lon)
    if placed.all() or placed.sum() < 2:
        return np.zeros(distance.shape[0], dtype=bool)
    repeated = np.concatenate(([False], distance[1:] == distance[:-1]))
    return ~placed & repeated


def _distance(samples: Samples, times: FloatArray | None = None) -> FloatArray | None:
    """Cumulative distance from 0, never decreasing; with ``times``, the distance of a
    half-filled record is interpolated in time between the records around it.

    Carried forward, such a record would make the runner stand still for one record
    and then jump: the windows that judge moving and steady running would see a
    run of stops and sprints, and the grade-adjusted speed would depend on which
    records the watch happened to fill.
    """
    distance = _recorded_distance(samples)
    if distance is None or times is None:
        return distance
    unknown = _half_filled(samples, distance)
    if not unknown.any():
        return distance
    known = ~unknown
    keep = known & np.concatenate((times[1:] > times[:-1], [True]))
    interpolated: FloatArray = np.interp(times, times[keep], distance[keep])
    return np.where(known, distance, interpolated)


def _raw_times(samples: Samples) -> FloatArray | None:
    if np.isfinite(samples.t).sum() < 2:
        return None
    filled = _fill_by_index(samples.t)
    monotonic = np.maximum.accumulate(filled)
    times: FloatArray = monotonic - monotonic[0]
    return times if times[-1] > 0 else None


def _clock_jumps(times: FloatArray, distance: FloatArray | None) -> Any:
    """Which gaps between consecutive records are the device's clock jumping, not time
    spent (see the module docstring)."""
    dt = np.diff(times)
    jumps = dt >= CLOCK_JUMP_ALWAYS_S
    if distance is None:
        return jumps
    typical = float(np.median(dt[dt > 0])) if (dt > 0).any() else 1.0
    for index in np.flatnonzero((dt >= CLOCK_JUMP_MIN_S) & ~jumps).tolist():
        before = _speed_near(times, distance, index, -1)
        after = _speed_near(times, distance, index + 1, +1)
        if before is None or after is None or min(before, after) < MOVING_SPEED_M_S:
            continue
        expected = (before + after) / 2 * typical
        across = float(distance[index + 1] - distance[index])
        # The runner covered, across the gap, what one ordinary record interval takes
        # at the pace on either side: the recording never stopped, its clock moved.
        jumps[index] = expected / CONTINUITY_FACTOR <= across <= expected * CONTINUITY_FACTOR
    return jumps


def _speed_near(
    times: FloatArray, distance: FloatArray, index: int, direction: int
) -> float | None:
    """Average speed over up to ``CONTINUITY_WINDOW_S`` before (direction -1) or after
    (+1) the record at ``index``, not crossing the gap beside it."""
    if direction < 0:
        start = int(np.searchsorted(times, times[index] - CONTINUITY_WINDOW_S))
        first, last = start, index
    else:
        end = int(np.searchsorted(times, times[index] + CONTINUITY_WINDOW_S, side="right"))
        first, last = index, end - 1
    seconds = float(times[last] - times[first])
    if seconds <= 0:
        return None
    return float(distance[last] - distance[first]) / seconds


def _clock_and_distance(
    samples: Samples,
) -> tuple[FloatArray | None, FloatArray | None, float]:
    """Times (clock jumps taken out), distance (half-filled records interpolated in
    time), and the seconds of clock jump taken out."""
    times, jumped_s = _times(samples, _recorded_distance(samples))
    return times, _distance(samples, times), jumped_s


def _times(samples: Samples, distance: FloatArray | None = None) -> tuple[FloatArray | None, float]:
    """Seconds from the start with the clock's jumps taken out, and the time taken out.

    A jump is replaced by the file's typical interval between two records.
    """
    times = _raw_times(samples)
    if times is None:
        return None, 0.0
    jumps = _clock_jumps(times, distance)
    if not jumps.any():
        return times, 0.0
    dt = np.diff(times)
    typical = float(np.median(dt[~jumps & (dt > 0)])) if (~jumps & (dt > 0)).any() else 1.0
    fixed = np.where(jumps, typical, dt)
    removed = float((dt - fixed)[jumps].sum())
    corrected: FloatArray = np.concatenate(([0.0], np.cumsum(fixed)))
    return corrected, removed


def _window_rate(
    times: FloatArray, cumulative: FloatArray, at: FloatArray, window_s: float
) -> FloatArray:
    """Rate of ``cumulative`` over a ``window_s`` window centred on each of ``at``.

    The window shrinks at the ends of the run; inside a long gap between two
    points it is the gap's own average, by linear interpolation.
    """
    # np.interp needs increasing x: keep the last of points that share a time.
    keep = np.concatenate((times[1:] > times[:-1], [True]))
    xs, ys = times[keep], cumulative[keep]
    low = np.maximum(at - window_s / 2, xs[0])
    high = np.minimum(at + window_s / 2, xs[-1])
    span = high - low
    rate = np.zeros_like(at)
    ok = span > 0
    rate[ok] = (np.interp(high[ok], xs, ys) - np.interp(low[ok], xs, ys)) / span[ok]
    return rate


def _moving_average(values: FloatArray, width: int) -> FloatArray:
    """Centred mean over ``width`` points (fewer at the ends)."""
    if width <= 1 or values.shape[0] < 2:
        return values
    kernel = np.ones(width)
    sums = np.convolve(values, kernel, mode="same")
    counts = np.convolve(np.ones_like(values), kernel, mode="same")
    return np.asarray(sums / counts, dtype=np.float64)


@dataclasses.dataclass(frozen=True)
class _Terrain:
    grid_m: FloatArray  # distances every ALTITUDE_GRID_M
    altitude: FloatArray  # smoothed altitude on the grid
    grade: FloatArray  # clamped grade on the grid


def _terrain(distance: FloatArray, altitude: FloatArray) -> _Terrain | None:
    has = np.isfinite(altitude)
    if has.sum() < 2 or distance[-1] <= 0:
        return None
    grid = np.arange(0.0, distance[-1] + ALTITUDE_GRID_M, ALTITUDE_GRID_M)
    raw = np.interp(grid, distance[has], altitude[has])
    width = round(ALTITUDE_SMOOTHING_M / ALTITUDE_GRID_M) | 1
    smooth = _moving_average(raw, width)
    grade = (
        np.clip(np.gradient(smooth, ALTITUDE_GRID_M), -MAX_GRADE, MAX_GRADE)
        if grid.shape[0] > 1
        else np.zeros_like(grid)
    )
    return _Terrain(grid_m=grid, altitude=smooth, grade=grade)


def elevation_gain(altitude: FloatArray, threshold_m: float = GAIN_THRESHOLD_M) -> float:
    """Sum of climbs that rise at least ``threshold_m`` above the low point before them.

    Once a climb is confirmed every further metre up counts, until the
    altitude falls ``threshold_m`` below its peak; then the next low point is
    tracked. Wiggles smaller than the threshold add nothing.
    """
    values = altitude[np.isfinite(altitude)]
    if values.shape[0] < 2:
        return 0.0
    gain = 0.0
    climbing = False
    low = peak = float(values[0])
    for value in values.tolist():
        if climbing:
            if value > peak:
                gain += value - peak
                peak = value
            elif peak - value >= threshold_m:
                climbing, low = False, value
        else:
            low = min(low, value)
            if value - low >= threshold_m:
                gain += value - low
                climbing, peak = True, value
    return gain


def _weighted_median(values: FloatArray, weights: FloatArray) -> float:
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order])
    index = int(np.searchsorted(cumulative, cumulative[-1] / 2))
    return float(values[order][min(index, values.shape[0] - 1)])


# ---------------------------------------------------------------------------
# The metrics.


UNKNOWN_SPORTS = {"", "unknown"}
NOT_SAID_TO_BE_A_RUN = "the file does not say it is a run"


def _is_runnable(activity: Activity) -> bool:
    """Runs, and files that do not say what they are (some GPX exports carry no sport):
    their figures are worked out as for a run and shown, but they stay out of the
    trend, since a ride's "efficiency" on a running scale would swamp it."""
    return activity.is_run or activity.sport in UNKNOWN_SPORTS


def compute(activity: Activity) -> RunMetrics:
    """All of one activity's figures; see the module docstring for the definitions."""
    samples = activity.samples
    if len(samples) == 0:
        return RunMetrics(unavailable=dict.fromkeys(FIGURES, NO_SAMPLES))

    unavailable: dict[str, str] = {}
    times, distance, jumped_s = _clock_and_distance(samples)
    heart = samples.heart_rate
    has_heart = bool(np.isfinite(heart).any())
    terrain = _terrain(distance, samples.altitude_m) if distance is not None else None

    # Elevation gain: on the smoothed grid when there are distances, else on
    # the raw altitudes lightly averaged by position.
    gain: float | None = None
    if terrain is not None:
        gain = elevation_gain(terrain.altitude)
    elif np.isfinite(samples.altitude_m).sum() >= 2:
        finite = samples.altitude_m[np.isfinite(samples.altitude_m)]
        gain = elevation_gain(_moving_average(finite, 5))
    else:
        unavailable["elevation_gain_m"] = NO_ELEVATION

    total_distance = float(distance[-1]) if distance is not None else None
    if total_distance is None:
        unavailable["distance_m"] = NO_DISTANCE

    if times is None:
        for name in ("elapsed_s", "moving_s", "avg_speed_m_s", "gap_speed_m_s", "steady_s"):
            unavailable[name] = NO_TIMES
        avg_heart = float(heart[np.isfinite(heart)].mean()) if has_heart else None
        if not has_heart:
            unavailable["avg_heart_rate"] = NO_HEART_RATE
        for name in ("ef", "decoupling_pct", "qualifies"):
            unavailable[name] = NO_TIMES
        return RunMetrics(
            distance_m=total_distance,
            elevation_gain_m=gain,
            avg_heart_rate=avg_heart,
            grade_adjusted=terrain is not None,
            unavailable=unavailable,
        )

    elapsed = float(times[-1])
    dt = np.diff(times)
    mid = (times[:-1] + times[1:]) / 2
    heart_stretch = _stretch_heart_rate(heart) if has_heart else None

    if distance is None:
        moving = dt > 0
        moving_s = float(dt[moving].sum())
        avg_heart = _time_weighted(heart_stretch, dt, moving) if heart_stretch is not None else None
        if avg_heart is None:
            unavailable["avg_heart_rate"] = NO_HEART_RATE
        for name in ("avg_speed_m_s", "gap_speed_m_s", "steady_s", "ef", "decoupling_pct"):
            unavailable[name] = NO_DISTANCE
        unavailable["qualifies"] = NO_DISTANCE
        return RunMetrics(
            elapsed_s=elapsed,
            moving_s=moving_s,
            elevation_gain_m=gain,
            clock_jump_s=jumped_s,
            avg_heart_rate=avg_heart,
            unavailable=unavailable,
        )

    step = np.diff(distance)
    speed_window = _window_rate(times, distance, mid, MOVING_WINDOW_S)
    # A stretch of no time (two records stamped in the same second) still carries its
    # distance: left out, that distance would count in the average speed but not in
    # the grade-adjusted one.
    moving = speed_window >= MOVING_SPEED_M_S
    moving_s = float(dt[moving].sum())
    avg_speed = total_distance / moving_s if total_distance and moving_s > 0 else None
    if avg_speed is None:
        unavailable["avg_speed_m_s"] = "no moving time in the file"

    if heart_stretch is not None:
        avg_heart = _time_weighted(heart_stretch, dt, moving)
        if avg_heart is None:  # heart rate only where the runner stood still
            avg_heart = float(heart[np.isfinite(heart)].mean())
    else:
        avg_heart = None
        unavailable["avg_heart_rate"] = NO_HEART_RATE

    runnable = _is_runnable(activity)
    if terrain is not None:
        grade = np.interp((distance[:-1] + distance[1:]) / 2, terrain.grid_m, terrain.grade)
        adjusted_step = step * minetti_cost(grade) / FLAT_COST
    else:
        adjusted_step = step

    gap_speed: float | None = None
    if not runnable:
        unavailable["gap_speed_m_s"] = f"grade adjustment is for running (this is {activity.sport})"
    elif terrain is None:
        unavailable["gap_speed_m_s"] = NO_ELEVATION
    elif moving_s > 0:
        gap_speed = float(adjusted_step[moving].sum()) / moving_s
    else:
        unavailable["gap_speed_m_s"] = "no moving time in the file"

    base = RunMetrics(
        distance_m=total_distance,
        elapsed_s=elapsed,
        moving_s=moving_s,
        avg_speed_m_s=avg_speed,
        clock_jump_s=jumped_s,
        gap_speed_m_s=gap_speed,
        elevation_gain_m=gain,
        avg_heart_rate=avg_heart,
        grade_adjusted=terrain is not None,
        unavailable=unavailable,
    )
    if not runnable:
        reason = f"not a run ({activity.sport})"
        for name in ("steady_s", "ef", "decoupling_pct", "qualifies"):
            unavailable[name] = reason
        return base
    if heart_stretch is None:
        for name in ("ef", "decoupling_pct", "qualifies"):
            unavailable[name] = NO_HEART_RATE

    adjusted_cumulative = np.concatenate(([0.0], np.cumsum(adjusted_step)))
    steadiness = _steadiness(
        times=times,
        dt=dt,
        mid=mid,
        moving=moving,
        heart_stretch=heart_stretch,
        adjusted_cumulative=adjusted_cumulative,
    )
    steady = steadiness.steady
    steady_s = float(dt[steady].sum())
    result = dataclasses.replace(base, steady_s=steady_s, surges=steadiness.surges)
    not_steady = _not_steady_reason(steadiness)
    if heart_stretch is None:
        return result
    assert heart_stretch is not None
    minutes = steady_s / 60
    if steady_s < MIN_STEADY_FOR_EF_S:
        reason = (
            f"only {minutes:.0f} min of steady running "
            f"({MIN_STEADY_FOR_EF_S / 60:.0f} needed, after a {WARM_UP_S / 60:.0f}-min warm-up)"
        )
        unavailable["ef"] = unavailable["decoupling_pct"] = reason
    if steady_s < QUALIFYING_STEADY_S:
        unavailable["qualifies"] = (
            f"only {minutes:.0f} min of steady running "
            f"({QUALIFYING_STEADY_S / 60:.0f} needed, after a {WARM_UP_S / 60:.0f}-min warm-up)"
        )
    if not_steady is not None:
        # Said before the minutes: however many there are, they are not steady running.
        unavailable["qualifies"] = not_steady
    if steady_s < MIN_STEADY_FOR_EF_S:
        return result

    ef = _segment_ef(adjusted_step, dt, heart_stretch, steady)
    # Halves of equal steady time, split at the stretch where half is reached.
    steady_time = np.cumsum(np.where(steady, dt, 0.0))
    first = steady & (steady_time <= steady_s / 2)
    second = steady & ~first
    first_ef = _segment_ef(adjusted_step, dt, heart_stretch, first)
    second_ef = _segment_ef(adjusted_step, dt, heart_stretch, second)
    decoupling = (
        (first_ef - second_ef) / first_ef * 100
        if first_ef is not None and second_ef is not None and first_ef > 0
        else None
    )
    if decoupling is None:
        unavailable["decoupling_pct"] = "the steady part could not be split in two halves"
    qualifies = steady_s >= QUALIFYING_STEADY_S and ef is not None and not_steady is None
    if qualifies and not activity.is_run:
        qualifies = False
        unavailable["qualifies"] = NOT_SAID_TO_BE_A_RUN
    return dataclasses.replace(result, ef=ef, decoupling_pct=decoupling, qualifies=qualifies)


def _stretch_heart_rate(heart: FloatArray) -> FloatArray:
    """Heart rate of each stretch: the mean of its two ends, or the one end recorded."""
    start, end = heart[:-1], heart[1:]
    has_start, has_end = np.isfinite(start), np.isfinite(end)
    both = np.where(has_start & has_end, (start + end) / 2, np.nan)
    return np.where(has_start & ~has_end, start, np.where(~has_start & has_end, end, both))


def _time_weighted(values: FloatArray, dt: FloatArray, mask: FloatArray | Any) -> float | None:
    use = mask & np.isfinite(values) & (dt > 0)
    total = float(dt[use].sum())
    if total <= 0:
        return None
    return float((values[use] * dt[use]).sum() / total)


def _segment_ef(
    adjusted_step: FloatArray, dt: FloatArray, heart: FloatArray, mask: Any
) -> float | None:
    seconds = float(dt[mask].sum())
    if seconds <= 0:
        return None
    speed = float(adjusted_step[mask].sum()) / seconds
    heart_rate = float((heart[mask] * dt[mask]).sum()) / seconds
    return efficiency_factor(speed, heart_rate) if heart_rate > 0 else None


@dataclasses.dataclass(frozen=True)
class _Steadiness:
    steady: Any  # which stretches are steady
    surges: int  # surges well above the median, each long enough to be a repeat


def _steadiness(
    *,
    times: FloatArray,
    dt: FloatArray,
    mid: FloatArray,
    moving: Any,
    heart_stretch: FloatArray | None,
    adjusted_cumulative: FloatArray,
) -> _Steadiness:
    """Which stretches are steady, and how many surges the running after the warm-up
    has (see the module docstring)."""
    moving_clock = np.cumsum(np.where(moving, dt, 0.0))
    running = moving & (moving_clock > WARM_UP_S) & (dt <= STEADY_MAX_GAP_S)
    candidate = running.copy()
    if heart_stretch is not None:
        low, high = HEART_RATE_RANGE
        with np.errstate(invalid="ignore"):
            candidate &= np.isfinite(heart_stretch) & (heart_stretch >= low)
            candidate &= heart_stretch <= high
    if not candidate.any():
        return _Steadiness(candidate, 0)
    speed = _window_rate(times, adjusted_cumulative, mid, STEADY_WINDOW_S)
    median = _weighted_median(speed[candidate], dt[candidate])
    if median <= 0:
        return _Steadiness(np.zeros_like(candidate), 0)
    steady = candidate & (np.abs(speed / median - 1) <= STEADY_BAND)
    return _Steadiness(steady, _surges(candidate, speed, dt, median))


def _surges(running: Any, speed: FloatArray, dt: FloatArray, median: float) -> int:
    """Surges in the running after the warm-up: a surge starts when the 30-s
    grade-adjusted speed rises ``SURGE_ABOVE_MEDIAN`` above the median, and ends when
    it falls back to the median or below (or the running stops); it counts when it
    spent at least ``SURGE_MIN_S`` above the threshold. Wiggles inside one long fast
    stretch (a progression, a tempo block) stay one surge."""
    if median <= 0:
        return 0
    high = (1 + SURGE_ABOVE_MEDIAN) * median
    count = 0
    seconds_fast = 0.0
    in_surge = False
    for is_running, pace, step in zip(running.tolist(), speed.tolist(), dt.tolist(), strict=True):
        if in_surge and (not is_running or pace <= median):
            count += seconds_fast >= SURGE_MIN_S
            in_surge, seconds_fast = False, 0.0
        if is_running and pace >= high:
            in_surge = True
            seconds_fast += step
    return count + (in_surge and seconds_fast >= SURGE_MIN_S)


def _not_steady_reason(steadiness: _Steadiness) -> str | None:
    """Why the run counts as intervals, not a steady run; None when it is not."""
    if steadiness.surges <= MAX_SURGES:
        return None
    return (
        f"it runs as intervals, not a steady run: {steadiness.surges} surges of "
        f"{SURGE_MIN_S:.0f} s or more at over {SURGE_ABOVE_MEDIAN:.0%} above its "
        "median grade-adjusted speed (efficiency is only comparable between steady runs)"
    )


# ---------------------------------------------------------------------------
# Chart series for the run page.


@dataclasses.dataclass(frozen=True)
class ChartSeries:
    """Up to ``CHART_POINTS`` points against distance; None where nothing was recorded.

    ``speed_m_s`` is None where the runner was not moving (pace is undefined).
    """

    distance_m: tuple[float, ...]
    speed_m_s: tuple[float | None, ...]
    heart_rate: tuple[float | None, ...]
    altitude_m: tuple[float | None, ...]


def _binned_mean(values: FloatArray, bins: Any, count: int) -> list[float | None]:
    finite = np.isfinite(values)
    sums = np.bincount(bins[finite], weights=values[finite], minlength=count)
    counts = np.bincount(bins[finite], minlength=count)
    means: list[float | None] = []
    for total, n in zip(sums.tolist(), counts.tolist(), strict=True):
        means.append(round(total / n, 3) if n else None)
    return means


def chart_series(samples: Samples, *, max_points: int = CHART_POINTS) -> ChartSeries | None:
    """Pace, heart rate and elevation against distance, averaged into at most ``max_points``
    equal distance bins; None when the file has no distances to draw against."""
    if len(samples) == 0:
        return None
    times, distance, _ = _clock_and_distance(samples)
    if distance is None or distance[-1] <= 0:
        return None
    if times is not None:
        speed = _window_rate(times, distance, times, STEADY_WINDOW_S)
        speed = np.where(speed >= MOVING_SPEED_M_S, speed, np.nan)
    else:
        speed = np.full(distance.shape[0], np.nan)
    terrain = _terrain(distance, samples.altitude_m)
    altitude = (
        np.interp(distance, terrain.grid_m, terrain.altitude)
        if terrain is not None
        else np.full(distance.shape[0], np.nan)
    )
    count = max(1, min(max_points, len(samples)))
    bins = np.minimum((distance / distance[-1] * count).astype(np.int64), count - 1)
    occupied = np.bincount(bins, minlength=count) > 0
    mean_distance = _binned_mean(distance, bins, count)
    speeds = _binned_mean(speed, bins, count)
    hearts = _binned_mean(samples.heart_rate, bins, count)
    altitudes = _binned_mean(altitude, bins, count)
    keep = [index for index in range(count) if occupied[index]]
    return ChartSeries(
        distance_m=tuple(float(mean_distance[index] or 0.0) for index in keep),
        speed_m_s=tuple(speeds[index] for index in keep),
        heart_rate=tuple(hearts[index] for index in keep),
        altitude_m=tuple(altitudes[index] for index in keep),
    )
