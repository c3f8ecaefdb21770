"""Feeds of every kind feedparser reads, and the ways they arrive broken: written for these
tests (no third-party test files). Each is (name, body, what a preview must give)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

_ITEM_TEXT = "Sáng 5/7, UBND tỉnh tổ chức hội nghị tổng kết công tác phòng, chống thiên tai."


@dataclass(frozen=True)
class OddFeed:
    name: str
    body: bytes
    items: int | None  # entries a preview lists; None: a one-line error instead
    titles: tuple[str, ...] = ()  # some titles it must show, exactly


RSS090 = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
  xmlns="http://my.netscape.com/rdf/simple/0.9/">
<channel><title>Tin 0.90</title><link>https://tin090.example/</link>
<description>RSS 0.90</description></channel>
<item><title>Khai mac hoi cho</title><link>https://tin090.example/a</link></item>
<item><title>Be mac hoi cho</title><link>/b</link></item>
</rdf:RDF>"""

RSS091 = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="0.91"><channel><title>Tin 0.91</title><link>https://tin091.example/</link>
<description>RSS 0.91</description><language>vi</language>
<item><title>Đường mới về xã Đăk Hà</title><link>https://tin091.example/duong</link>
<description>Con đường dài 12 km đã thông xe.</description></item>
</channel></rss>""".encode()

RSS092 = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="0.92"><channel><title>Tin 0.92</title><link>https://tin092.example/</link>
<description>RSS 0.92</description>
<item><description>Chỉ có mô tả: mưa lớn gây ngập cục bộ tại TP. Kon Tum.</description></item>
<item><title>Có tiêu đề, không có liên kết</title></item>
</channel></rss>""".encode()

RSS10 = f"""<?xml version="1.0" encoding="UTF-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
  xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://tin10.example/rss"><title>Tin 1.0</title>
<link>https://tin10.example/</link><description>RSS 1.0</description>
<items><rdf:Seq><rdf:li rdf:resource="https://tin10.example/1"/></rdf:Seq></items></channel>
<item rdf:about="https://tin10.example/1"><title>Hội nghị tổng kết</title>
<link>https://tin10.example/1</link><description>{_ITEM_TEXT}</description>
<dc:date>2014-07-05T08:00:00+07:00</dc:date></item>
</rdf:RDF>""".encode()

RSS20_NO_LINKS = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Tin 2.0</title><link>https://tin20.example/</link>
<description>RSS 2.0</description>
<item><title>Chỉ có tiêu đề</title></item>
<item><guid isPermaLink="false">tin20-42</guid><description>{_ITEM_TEXT}</description></item>
<item><link>https://tin20.example/rong</link></item>
<item></item>
</channel></rss>""".encode()

ATOM03 = """<?xml version="1.0" encoding="utf-8"?>
<feed version="0.3" xmlns="http://purl.org/atom/ns#">
<title>Tin Atom 0.3</title><link rel="alternate" type="text/html" href="https://atom03.example/"/>
<modified>2014-07-05T01:00:00Z</modified>
<entry><title>Mùa cà phê mới</title>
<link rel="alternate" type="text/html" href="https://atom03.example/ca-phe"/>
<id>tag:atom03.example,2014:1</id><issued>2014-07-05T01:00:00Z</issued>
<modified>2014-07-05T01:00:00Z</modified>
<summary>Giá cà phê nhân xô tăng 2.000 đồng/kg.</summary></entry>
</feed>""".encode()

ATOM10 = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://atom10.example/tin/">
<title>Tin Atom 1.0</title><id>urn:uuid:atom10</id><updated>2014-07-05T01:00:00Z</updated>
<entry><title type="html">Lễ hội &lt;b&gt;cồng chiêng&lt;/b&gt;</title><id>urn:uuid:1</id>
<updated>2014-07-05T01:00:00Z</updated><link href="le-hoi.html"/>
<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Lễ hội diễn ra
trong 3 ngày tại quảng trường tỉnh.</p></div></content></entry>
<entry><id>urn:uuid:2</id><updated>2014-07-05T02:00:00Z</updated></entry>
</feed>""".encode()

CDF = b"""<?xml version="1.0" encoding="UTF-8"?>
<CHANNEL HREF="https://cdf.example/" BASE="https://cdf.example/">
<TITLE>Tin CDF</TITLE><ABSTRACT>Kenh CDF</ABSTRACT>
<ITEM HREF="https://cdf.example/tin-1" LASTMOD="2014-07-05T01:00">
<TITLE>Tin CDF thu nhat</TITLE><ABSTRACT>Noi dung tom tat cua tin thu nhat.</ABSTRACT></ITEM>
</CHANNEL>"""


def cp1258(text: str) -> bytes:
    """Vietnamese the way windows-1258 writes it: a letter the code page has ("ơ", "â")
    plus a combining tone mark ("ờ" = "ơ" + U+0300), as Vietnamese Windows once did."""
    out: list[str] = []
    for char in unicodedata.normalize("NFC", text):
        marks = unicodedata.normalize("NFD", char)[1:]
        for tone in ("", *marks):
            base = unicodedata.normalize(
                "NFC", unicodedata.normalize("NFD", char).replace(tone, "", 1) if tone else char
            )
            try:
                encoded = (base + tone).encode("cp1258")
            except UnicodeEncodeError:
                continue
            out.append(encoded.decode("cp1258"))
            break
        else:
            raise ValueError(f"{char!r} cannot be written in windows-1258")
    return "".join(out).encode("cp1258")


WINDOWS_1258 = cp1258(
    '<?xml version="1.0" encoding="windows-1258"?>'
    '<rss version="2.0"><channel><title>Báo cũ</title><link>https://cp1258.example/</link>'
    "<item><title>Đắk Lắk mùa mưa</title><link>https://cp1258.example/a</link>"
    "<description>Người dân chủ động phòng lũ.</description></item></channel></rss>"
)

UTF16_BOM = (
    '<?xml version="1.0" encoding="UTF-16"?>'
    '<rss version="2.0"><channel><title>UTF-16</title><link>https://u16.example/</link>'
    "<item><title>Hội thao ngành y</title><link>https://u16.example/a</link></item>"
    "</channel></rss>"
).encode("utf-16")  # with a byte-order mark

ILL_FORMED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Hỏng & vẫn đọc được</title>
<item><title>Tin 1 & tin 2</title><link>https://hong.example/1</link>
<description><p>Thẻ không đóng <b>đậm</description></item>
<item><title>Tin thứ hai</title><link>https://hong.example/2</item>
</channel>""".encode()

# Entities nested ten deep, ten wide: 10^10 "lol"s if expanded.
_LAUGHS = "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol0 "lol">' + _LAUGHS + "]>"
    '<rss version="2.0"><channel><title>&lol9;</title>'
    "<item><title>&lol9;</title><link>https://laughs.example/1</link></item>"
    "</channel></rss>"
).encode()

EXTERNAL_ENTITY = (
    b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
    b'<rss version="2.0"><channel><title>XXE</title>'
    b"<item><title>Tin &secret;</title><link>https://xxe.example/1</link></item>"
    b"</channel></rss>"
)


def garbage(size: int = 5 * 1024 * 1024) -> bytes:
    """Deterministic binary junk of ``size`` bytes (the fetcher's cap)."""
    block = bytes((i * 131 + 17) % 256 for i in range(4096))
    return (block * (size // len(block) + 1))[:size]


ODD_FEEDS: tuple[OddFeed, ...] = (
    OddFeed("rss090", RSS090, 2, ("Khai mac hoi cho",)),
    OddFeed("rss091", RSS091, 1, ("Đường mới về xã Đăk Hà",)),
    OddFeed("rss092-no-links", RSS092, 2, ("Có tiêu đề, không có liên kết",)),
    OddFeed("rss10", RSS10, 1, ("Hội nghị tổng kết",)),
    OddFeed("rss20-no-links", RSS20_NO_LINKS, 2, ("Chỉ có tiêu đề",)),
    OddFeed("atom03", ATOM03, 1, ("Mùa cà phê mới",)),
    OddFeed("atom10", ATOM10, 1, ("Lễ hội cồng chiêng",)),
    OddFeed("cdf", CDF, 1, ("Tin CDF thu nhat",)),
    OddFeed("windows-1258", WINDOWS_1258, 1, ("Đắk Lắk mùa mưa",)),
    OddFeed("utf-16-bom", UTF16_BOM, 1, ("Hội thao ngành y",)),
    OddFeed("ill-formed", ILL_FORMED, None),
    OddFeed("empty", b"", None),
    OddFeed("garbage-5mb", garbage(), None),
    OddFeed("billion-laughs", BILLION_LAUGHS, None),
    OddFeed("external-entity", EXTERNAL_ENTITY, None),
)
