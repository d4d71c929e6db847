"""The trend's verdict and its explanation in plain words (pure; the page and the CLI share it).

Also the rules as the pages and the CLI state them, built from the constants
that apply them (``metrics``, ``stats``), so a changed rule cannot leave its
old number in the text.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from runstrong.runs import metrics, stats
from runstrong.runs.formatting import format_percent
from runstrong.workouts.charts import date_label

QUALIFYING_MINUTES = round(metrics.QUALIFYING_STEADY_S / 60)
WARM_UP_MINUTES = round(metrics.WARM_UP_S / 60)
AFTER_STRENGTH_HOURS = round(stats.AFTER_STRENGTH / timedelta(hours=1))
ROLLING_DAYS = stats.ROLLING_WINDOW.days

STEADY_RULE = (
    f"at least {QUALIFYING_MINUTES} minutes of steady running "
    f"after a {WARM_UP_MINUTES}-minute warm-up"
)
# What "steady" means, as the trend page's method note says it (metrics' docstring
# gives the reasons and sources).
STEADY_METHOD = (
    f"A run counts when it has heart rate and {STEADY_RULE}: moving, with its "
    f"30-second grade-adjusted speed within ±{metrics.STEADY_BAND:.0%} of the run's "
    "median. A run with more than "
    f"{metrics.MAX_SURGES} surges (each {metrics.SURGE_MIN_S:.0f} s or more at over "
    f"{metrics.SURGE_ABOVE_MEDIAN:.0%} above that median, ended by a return to it) is "
    "taken as intervals and left out, however many steady minutes it has: EF and "
    "decoupling are read from steady aerobic running only (Friel 2011; TrainingPeaks' "
    "note on EF), since in intervals heart rate lags each change of pace and the "
    "faster bouts are partly anaerobic."
)
AFTER_STRENGTH_WORK = f"within {AFTER_STRENGTH_HOURS} h after strength work"
ROLLING_AVERAGE = f"{ROLLING_DAYS}-day average"

# The same, for the templates: {{ rules.qualifying_minutes }}…
RULES = {
    "qualifying_minutes": QUALIFYING_MINUTES,
    "warm_up_minutes": WARM_UP_MINUTES,
    "after_strength_hours": AFTER_STRENGTH_HOURS,
    "steady_rule": STEADY_RULE,
    "steady_method": STEADY_METHOD,
    "after_strength_work": AFTER_STRENGTH_WORK,
    "rolling_average": ROLLING_AVERAGE,
}

HEADLINES = {
    stats.IMPROVED: "Improved",
    stats.WORSE: "Worse",
    stats.INCONCLUSIVE: "Inconclusive",
    stats.NOT_ENOUGH: "Not enough runs",
}

CAUSATION = (
    "Even a clear change does not show that the strength work caused it: running more, "
    "a cooler season, better sleep or flatter routes all move this number too."
)


def split_text(split: datetime | None) -> str:
    """The comparison's date as the page and the CLI print it ("" without one)."""
    return "" if split is None else date_label(split, with_year=True)


def headline(comparison: stats.Comparison) -> str:
    return HEADLINES[comparison.verdict]


def interval_text(comparison: stats.Comparison) -> str:
    if comparison.ci_low_pct is None or comparison.ci_high_pct is None:
        return "—"
    return f"{format_percent(comparison.ci_low_pct)} to {format_percent(comparison.ci_high_pct)}"


def explanation(comparison: stats.Comparison, split_text: str) -> list[str]:
    """A few sentences saying what the numbers mean, and what they do not."""
    change = format_percent(comparison.change_pct)
    interval = interval_text(comparison)
    sides = f"{comparison.n_before} before {split_text} and {comparison.n_after} from then on"
    if comparison.verdict == stats.NOT_ENOUGH:
        return [
            f"The comparison needs at least {comparison.min_runs} qualifying runs on each side "
            f"of the date; there are {sides}.",
            "With fewer, the day-to-day ups and downs of the efficiency factor (a few percent "
            "either way) would hide any real change. Keep running with your watch: the verdict "
            "appears once both sides have enough runs.",
        ]
    if comparison.verdict == stats.INCONCLUSIVE:
        return [
            f"On average your efficiency factor changed by {change} ({sides}). The 95% "
            f"confidence interval, {interval}, includes zero: these runs cannot tell a change "
            "from day-to-day noise.",
            "That is not a sign that nothing happened. A change of a few percent needs roughly "
            "8–14 steady runs on each side to show; more runs narrow the interval.",
            CAUSATION,
        ]
    rise = "rise" if comparison.verdict == stats.IMPROVED else "drop"
    side = "above" if comparison.verdict == stats.IMPROVED else "below"
    return [
        f"From {split_text} on, your efficiency factor averages {change} against the runs "
        f"before ({sides}). The 95% confidence interval, {interval}, lies entirely {side} "
        f"zero: day-to-day noise alone would rarely give a {rise} this large.",
        CAUSATION,
    ]
