"""What one run file says: distance, times, paces, climbing, heart rate, efficiency (pure).

``compute`` turns an ``samples.Activity`` into ``RunMetrics``; ``chart_series``
turns its samples into the few hundred points the run page draws. Nothing
here imports Django, so the import service, the CLI and the tests share it.

Definitions (each constant below says why it has its value):

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
  least 20 minutes of steady running.
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

METRICS_VERSION = 1  # bump when a definition changes, so stored metrics can be recomputed

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


def _distance(samples: Samples) -> FloatArray | None:
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


def _times(samples: Samples) -> FloatArray | None:
    if np.isfinite(samples.t).sum() < 2:
        return None
    filled = _fill_by_index(samples.t)
    monotonic = np.maximum.accumulate(filled)
    times = monotonic - monotonic[0]
    return times if times[-1] > 0 else None


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
    distance = _distance(samples)
    times = _times(samples)
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
            avg_heart_rate=avg_heart,
            unavailable=unavailable,
        )

    step = np.diff(distance)
    speed_window = _window_rate(times, distance, mid, MOVING_WINDOW_S)
    moving = (dt > 0) & (speed_window >= MOVING_SPEED_M_S)
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
    steady = _steady_mask(
        times=times,
        dt=dt,
        mid=mid,
        moving=moving,
        heart_stretch=heart_stretch,
        adjusted_cumulative=adjusted_cumulative,
    )
    steady_s = float(dt[steady].sum())
    result = dataclasses.replace(base, steady_s=steady_s)
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
    qualifies = steady_s >= QUALIFYING_STEADY_S and ef is not None
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


def _steady_mask(
    *,
    times: FloatArray,
    dt: FloatArray,
    mid: FloatArray,
    moving: Any,
    heart_stretch: FloatArray | None,
    adjusted_cumulative: FloatArray,
) -> Any:
    """Which stretches are steady (see the module docstring)."""
    moving_clock = np.cumsum(np.where(moving, dt, 0.0))
    candidate = moving & (moving_clock > WARM_UP_S) & (dt <= STEADY_MAX_GAP_S)
    if heart_stretch is not None:
        low, high = HEART_RATE_RANGE
        with np.errstate(invalid="ignore"):
            candidate &= np.isfinite(heart_stretch) & (heart_stretch >= low)
            candidate &= heart_stretch <= high
    if not candidate.any():
        return candidate
    speed = _window_rate(times, adjusted_cumulative, mid, STEADY_WINDOW_S)
    median = _weighted_median(speed[candidate], dt[candidate])
    if median <= 0:
        return np.zeros_like(candidate)
    return candidate & (np.abs(speed / median - 1) <= STEADY_BAND)


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
    distance = _distance(samples)
    if distance is None or distance[-1] <= 0:
        return None
    times = _times(samples)
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
