"""Median and spread of a ``Sample``, the ratio of two, and how numbers are printed."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from benchmarks.registry import Better, Sample

DASH = "\u2013"  # en dash, as in "median [min-max]"
TIMES = "\u00d7"  # multiplication sign, as in "20x"


@dataclass(frozen=True)
class Summary:
    median: float
    low: float
    high: float
    runs: int
    failures: int


def summarize(sample: Sample) -> Summary | None:
    """Median [min, max] of the successful repetitions; ``None`` if there are none."""
    if not sample.values:
        return None
    return Summary(
        median=statistics.median(sample.values),
        low=min(sample.values),
        high=max(sample.values),
        runs=len(sample.values),
        failures=len(sample.errors),
    )


def ratio(ml2core: Sample, neutron: Sample | None, better: Better) -> float | None:
    """How many times better ml2core's median is than Neutron's (``None`` if either is missing)."""
    if neutron is None:
        return None
    ours, theirs = summarize(ml2core), summarize(neutron)
    if ours is None or theirs is None:
        return None
    if better == "higher":
        return ours.median / theirs.median if theirs.median else None
    return theirs.median / ours.median if ours.median else None


def fmt(value: float) -> str:
    """Three significant digits, thousands separated (``0.0162``, ``18.4``, ``1,234``)."""
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    if magnitude == 0:
        return "0"
    return f"{value:.3g}"


def describe(sample: Sample | None) -> str:
    """The table cell of one side: ``median [min-max]``, a failure, or why it was not run."""
    if sample is None:
        return DASH
    summary = summarize(sample)
    if summary is None:
        if sample.errors:
            return "FAILED: " + _short(sample.errors[0])
        return "n/a"
    text = fmt(summary.median)
    if summary.runs > 1:
        text += f" [{fmt(summary.low)}{DASH}{fmt(summary.high)}]"
    if summary.failures:
        text += f" ({summary.failures} failed)"
    return text


def _short(error: str, limit: int = 48) -> str:
    error = " ".join(error.split())
    return error if len(error) <= limit else error[: limit - 1] + "…"


def overlap(a: Sample, b: Sample) -> bool:
    """True if the min-max intervals of two samples overlap (equal within noise)."""
    sa, sb = summarize(a), summarize(b)
    if sa is None or sb is None:
        return False
    return sa.low <= sb.high and sb.low <= sa.high
