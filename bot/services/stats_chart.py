"""The /stats chart: the last 30 days of subscribers and deliveries as one PNG (matplotlib).

A pure function from numbers and labels to PNG bytes, run off the event loop
(``asyncio.to_thread``): drawing took 1.4-1.7 s here (median of 7, a busy 2-core machine),
which on the event loop would stall every reply meanwhile.
Agg (no display) and the object API only (no pyplot global state, so two threads drawing at
once do not share a figure). DejaVu Sans ships with matplotlib and covers Vietnamese, so
"Người đăng ký" renders with its diacritics on any host, no system font needed.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.i18n import format_number

SUBSCRIBERS_COLOUR = "#1f6fb2"
SENT_COLOUR = "#2e9d5b"
FAILED_COLOUR = "#d9534f"


@dataclass(frozen=True, slots=True)
class ChartLabels:
    """Every word on the chart, already in the admin's language."""

    title: str
    subscribers: str
    new_subscribers: str
    deliveries: str
    sent: str
    failed: str
    date_format: str  # strftime, e.g. "%d/%m" in Vietnamese
    locale: str = "vi"  # numbers on the axes: 2.000 in Vietnamese, 2,000 in English


@dataclass(frozen=True, slots=True)
class ChartDay:
    day: date
    subscribers: int
    new_subscribers: int
    sent: int
    failed: int


def render_chart(days: Sequence[ChartDay], labels: ChartLabels) -> bytes:
    """Two panels over the same days: subscribers (line, new ones as bars), then messages
    sent and failed per day (stacked bars). Returns PNG bytes (~1200x800 px).

    matplotlib is imported here, in the worker thread, not at start-up: importing it took
    2.8 s of the bot's 6.9 s of imports on this busy machine (``python -X importtime``).
    """
    import matplotlib

    matplotlib.use("Agg")
    # Global, set on every call with the same values (no per-call rc_context across threads).
    matplotlib.rcParams["font.family"] = "DejaVu Sans"
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    figure = Figure(figsize=(10, 6.6), dpi=120)
    top, bottom = figure.subplots(2, 1, sharex=True)
    x = list(range(len(days)))  # day positions; labelled below in the admin's date format
    top.plot(x, [d.subscribers for d in days], color=SUBSCRIBERS_COLOUR, linewidth=2.2,
             marker="o", markersize=3, label=labels.subscribers)  # fmt: skip
    # New subscribers are tens a day beside thousands in all: their own scale, on the right.
    new = top.twinx()
    new.bar(x, [d.new_subscribers for d in days], color=SUBSCRIBERS_COLOUR, alpha=0.25,
            width=0.8, label=labels.new_subscribers)  # fmt: skip
    new.set_ylabel(labels.new_subscribers)
    top.set_zorder(new.get_zorder() + 1)  # the line above the bars
    top.patch.set_visible(False)
    top.set_ylabel(labels.subscribers)
    lines, names = top.get_legend_handles_labels()
    bars, bar_names = new.get_legend_handles_labels()
    top.legend(lines + bars, names + bar_names, loc="upper left")
    sent = [d.sent for d in days]
    bottom.bar(x, sent, color=SENT_COLOUR, width=0.8, label=labels.sent)
    bottom.bar(x, [d.failed for d in days], bottom=sent, color=FAILED_COLOUR, width=0.8,
               label=labels.failed)  # fmt: skip
    bottom.set_ylabel(labels.deliveries)
    bottom.legend(loc="upper left")
    numbers = FuncFormatter(lambda value, _: format_number(int(value), labels.locale))
    for axes in (top, new, bottom):
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.yaxis.set_major_formatter(numbers)
        axes.set_ylim(bottom=0)
        axes.spines[["top"]].set_visible(False)
    # The bars keep to the lower third, under the line.
    new.set_ylim(0, 3 * max([d.new_subscribers for d in days] + [1]))
    # Headroom for the legends (upper left): a growing line and a full month of sends reach
    # the top-left corner, where the legend hid the first week's points.
    top.set_ylim(0, 1.35 * max([d.subscribers for d in days] + [1]))
    bottom.set_ylim(0, 1.3 * max([d.sent + d.failed for d in days] + [1]))
    top.grid(axis="y", alpha=0.3)
    bottom.grid(axis="y", alpha=0.3)
    bottom.spines[["right"]].set_visible(False)
    every = x[::-3][::-1]  # every third day, ending today
    bottom.set_xticks(every, [days[i].day.strftime(labels.date_format) for i in every])
    bottom.tick_params(axis="x", labelrotation=45)
    figure.suptitle(labels.title, fontsize=14, fontweight="bold")
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
