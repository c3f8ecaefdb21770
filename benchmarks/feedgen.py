"""A large WordPress-style feed built from the station fixture, with varied items."""

from __future__ import annotations

import re
from pathlib import Path

FIXTURE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "station"
_ITEM = re.compile(r"<item>.*?</item>", re.DOTALL)
_VARIANTS = (
    "Theo báo cáo của UBND tỉnh, kết quả đạt {n}% kế hoạch năm.",
    "Trong tháng {n}, các địa phương đã triển khai nhiều giải pháp đồng bộ.",
    "Đến nay, toàn tỉnh có {n} mô hình được nhân rộng tại TP. Kon Tum và các huyện.",
    "Ông Nguyễn Văn {n}, Phó Chủ tịch UBND huyện, cho biết sẽ tiếp tục chỉ đạo sát sao.",
)


def station_feed(items: int) -> bytes:
    """``items`` entries cycling through the fixture's ten, each with its own id, URL,
    title and an extra opening sentence, newest first as WordPress writes them."""
    text = (FIXTURE / "kontumtv-feed.xml").read_text("utf-8")
    originals = _ITEM.findall(text)
    head, tail = text[: text.index("<item>")], text[text.rindex("</item>") + len("</item>") :]
    out = []
    for i in range(items):
        item = originals[i % len(originals)]
        n = 100_000 + items - i
        item = re.sub(r"\?p=\d+", f"?p={n}", item)
        item = re.sub(r"(<link>[^<]+)(</link>)", rf"\1-{n}\2", item)
        item = re.sub(r"(<comments>[^<#]+)", rf"\1-{n}", item)
        item = item.replace("<title>", f"<title>Kỳ {i % 97 + 1}: ", 1)
        variant = _VARIANTS[i % len(_VARIANTS)].format(n=i % 90 + 5)
        item = item.replace(
            "<content:encoded><![CDATA[<p>", f"<content:encoded><![CDATA[<p>{variant} ", 1
        )
        day = 1 + (items - i) * 28 // items
        item = re.sub(r"<pubDate>\w+, \d+ ", f"<pubDate>Fri, {day:02d} ", item)
        out.append(item)
    return (head + "\n".join(out) + tail).encode("utf-8")
