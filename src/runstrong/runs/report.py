"""`runstrong trend`: the trend page's numbers and verdict as plain text in the terminal."""

from __future__ import annotations

from datetime import date

from rich.console import Console

from runstrong.accounts.models import User
from runstrong.runs import formatting, selectors, stats, wording
from runstrong.workouts.charts import date_label

RECENT = 10


def print_trend(athlete: User, console: Console, *, split: date | None = None) -> None:
    """Print what the trend page shows: recent qualifying runs, the comparison, the
    verdict with its explanation, and what the studies do and do not say."""
    page = selectors.efficiency_trend(athlete, split=split)
    units = athlete.units
    runs = page.trend.runs

    def say(text: str = "") -> None:
        console.print(text, markup=False, highlight=False)

    say(f"Efficiency factor (EF, {formatting.ef_label(units)}) of steady runs")
    if not runs:
        say()
        say("Not enough data: " + _why_no_runs(page))
    else:
        first, last = runs[0].when, runs[-1].when
        marked = sum(1 for run in runs if run.after_strength)
        sessions = len(page.trend.strength_sessions)
        say(
            f"{len(runs)} qualifying run{'s' if len(runs) != 1 else ''} from "
            f"{date_label(first, with_year=True)} to {date_label(last, with_year=True)}; "
            f"{sessions} strength session{'s' if sessions != 1 else ''}; "
            f"{marked} run{'s' if marked != 1 else ''} within {wording.AFTER_STRENGTH_HOURS} h "
            "after one (marked *)."
        )
        say()
        say("Most recent:")
        for run in reversed(runs[-RECENT:]):
            mark = " *" if run.after_strength else ""
            rolling = (
                f"   {wording.ROLLING_AVERAGE} {formatting.ef_in_units(run.rolling, units):.2f}"
                if run.rolling is not None
                else ""
            )
            say(
                f"  {date_label(run.when, with_year=True):>12}  "
                f"EF {formatting.ef_in_units(run.ef, units):.2f}{mark}{rolling}"
            )

    say()
    comparison = page.trend.comparison
    if comparison is None or page.split_date is None:
        say(
            "Before/after: no strength sessions yet, so there is no date to compare around. "
            "The comparison starts from your first RunStrong session."
        )
    else:
        split_text = wording.split_text(page.trend.split)
        say(f"Before/after {split_text} (your first RunStrong session unless chosen):")
        say(f"  verdict: {wording.headline(comparison)}")
        say(f"  change in mean EF: {formatting.format_percent(comparison.change_pct)}")
        say(f"  95% confidence interval: {wording.interval_text(comparison)}")
        say(f"  runs before: {comparison.n_before}; from then on: {comparison.n_after}")
        if page.trend.left_out_before or page.trend.left_out_after:
            say(
                f"  left out ({wording.AFTER_STRENGTH_WORK}): {page.trend.left_out_before} "
                f"before, {page.trend.left_out_after} after"
            )
        say()
        for sentence in wording.explanation(comparison, split_text):
            say(sentence)
    say()
    say(
        f"Method: Welch's t interval for the ratio of the means; at least "
        f"{stats.MIN_RUNS_PER_SIDE} qualifying runs a side."
    )
    say(f"What counts: {wording.STEADY_METHOD}")
    say(
        "Evidence: resistance training improved running economy by about 2-8% in studies "
        '(Jung 2003\'s "up to 8%" is the top of that range; Yamamoto 2008, '
        "Balsalobre-Fernández 2016, Denadai 2017, Blagrove 2018), mostly with heavy or "
        "explosive work. No study has tested a high-rep bodyweight circuit like this one. "
        "EF estimates aerobic efficiency, not running economy, which needs a gas analyser."
    )


def _why_no_runs(page: selectors.EfficiencyTrend) -> str:
    if not page.activity_count:
        return "no runs imported yet. Import your watch's files with `runstrong import PATH...`."
    return (
        f"none of your {page.activity_count} imported activities qualifies (heart rate and "
        f"{wording.STEADY_RULE})."
    )
