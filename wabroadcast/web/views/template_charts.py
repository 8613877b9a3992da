"""The stats page's rate charts: one per template, delivered / read / replied as a share of
the sends accepted each UTC day (storage/template_rates.py), with the numbers in a table.

The series are :data:`RATE_SERIES`, in order; a new one (a field of `TemplateDay`) needs a
label ``stats.rate.<name>`` in both locales and a colour ``.series-rate-<name>`` in
panel.css, nothing here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from wabroadcast.storage.template_rates import RATE_SERIES, TemplateDay
from wabroadcast.web.i18n import Translator
from wabroadcast.web.views.charts import line_chart

MAX_CHARTS = 10
"""Templates charted, those with the most sends in the range first; the rest are counted."""


@dataclass(frozen=True)
class TemplateChart:
    template: str
    sent: int
    chart: Markup
    rows: list[dict[str, Any]]
    """Newest day first: day, sent, and per series its count and its percentage text."""


def template_charts(found: Sequence[TemplateDay], t: Translator) -> tuple[list[TemplateChart], int]:
    """The charts to show, and how many templates with sends were left out."""
    by_template: dict[str, list[TemplateDay]] = {}
    for row in found:
        by_template.setdefault(row.template, []).append(row)
    ranked = sorted(by_template.items(), key=lambda item: (-sum(r.sent for r in item[1]), item[0]))
    keys = [f"rate-{name}" for name in RATE_SERIES]
    labels = {f"rate-{name}": t(f"stats.rate.{name}") for name in RATE_SERIES}
    charts = []
    for template, days in ranked[:MAX_CHARTS]:
        points = [
            {"day": d.day.isoformat(), **{f"rate-{n}": round(100 * d.rate(n)) for n in RATE_SERIES}}
            for d in days
        ]
        title = t("stats.rates_chart_title", template=template)
        desc = t("stats.rates_chart_desc", days=t.number(len(days)))
        chart = line_chart(
            points, keys, labels=labels, title=title, number=_percent, peak=100, desc=desc
        )
        rows = [
            {
                "day": d.day.isoformat(),
                "sent": d.sent,
                **{n: d.count(n) for n in RATE_SERIES},
                **{f"rate-{n}": _percent(round(100 * d.rate(n))) for n in RATE_SERIES},
            }
            for d in reversed(days)
        ]
        charts.append(TemplateChart(template, sum(d.sent for d in days), chart, rows))
    return charts, max(0, len(ranked) - MAX_CHARTS)


def _percent(value: int) -> str:
    return f"{value}%"
