"""Newsroom furniture of Vietnamese outlets other than the station: text around a story that
is not the story.

`bot.news.clean` handles the station's house style; these rules cover what other sites and
the station's own TV and radio pages add: datelines without parentheses (``QNgTV-``,
``TTXVN –``), a place and a source mark (``PHAN THIẾT (BTN) -``) or a mark inside the lead,
an editor's preface (``Lời Tòa soạn:``, ``LTS:``, a series introduction), the spoken invitation
ending a broadcast report ("Mời quý vị cùng theo dõi."), bylines in capitals, agency and
source credits (``Theo TTXVN``, ``Nguồn: …``), numbered captions (``Ảnh 1: …``) and image
file names left in the text.

Every rule is anchored (start or end of the article, a whole paragraph or sentence) and
guarded by a cheap substring test first: it runs on every item of every poll. Content that
merely resembles furniture stays: a sentence starting "Theo kế hoạch," or an acronym in
capitals ("UBND TỈNH …") is not a credit or a byline.
"""

from __future__ import annotations

import re

from bot.news.sentences import split_sentences

__all__ = [
    "drop_invitations",
    "drop_preface",
    "drop_trailing_credits",
    "is_caption_block",
    "strip_lead_marks",
]

# --- the start of an article ------------------------------------------------------------------
_PREFACE = re.compile(
    r"^\(?\s*(?:lời\s+(?:tòa|toà)\s+soạn|lời\s+ban\s+biên\s+tập|lời\s+giới\s+thiệu|lts|lbt)"
    r"\s*\)?\s*[:.\-–—]",
    re.IGNORECASE,
)
# A series introduction: an emphasised first paragraph announcing the series to readers.
_SERIES = re.compile(
    r"loạt bài|chuyên đề|xin giới thiệu|trân trọng giới thiệu"
    r"|giới thiệu (?:cùng|với|tới|đến) (?:bạn đọc|độc giả|quý vị)",
    re.IGNORECASE,
)
# "QNgTV-", "TTXVN –", "VOV.VN -", "baoquangngai.vn –": a media mark and a dash before the
# first word. Only marks that name a medium (…TV, an agency, a domain), so "ASEAN – Trung
# Quốc" stays; the next character must start a word ("COVID-19" has a digit after the dash).
_MEDIA_MARK = re.compile(
    r"^(?:[A-ZĐ][A-Za-zĐ]{0,8}(?:TV|TTX|TTXVN|PTTH|PT-TH|THVL|Radio)|TTXVN|VNA|VOV\d?"
    r"|VTV\d{0,2}|[\w-]+(?:\.[\w-]+)*\.vn)"
    r"(?:/[A-Za-zĐ]{2,10})?\s*[-–—]+\s*(?=[^\W\d_])",
    re.IGNORECASE,
)
# "(BTN) -", "(QĐND) –": a short source mark in capitals and a dash, near the start.
_SOURCE_MARK = re.compile(r"\s*\(\s*[A-ZĐ]{2,6}\s*\)\s*[-–—]+\s*(?=\S)")
_LEAD_WINDOW = 150
_PLACE_MAX = 40

# --- the end of an article --------------------------------------------------------------------
# "Mời quý vị cùng theo dõi.", "Xin mời các bạn cùng nghe…", "Kính mời quý thính giả…".
_INVITATION = re.compile(
    r"^(?:sau đây,?\s*)?(?:xin |kính )?mời (?:quý vị|quý khán giả|quý thính giả|quý độc giả"
    r"|các bạn|bạn|khán giả|thính giả|độc giả|bạn đọc)\b",
    re.IGNORECASE,
)
# "Theo TTXVN", "(Theo Báo Tin tức)", "Nguồn: Sở Giáo dục và Đào tạo", "Theo vov.vn".
_CREDIT = re.compile(
    r"^\(?\s*(?:theo|nguồn)\s*:?\s+(?P<source>[^\s,;:()]+(?:\s+[^\s,;:()]+){0,5})\s*\)?\.?$",
    re.IGNORECASE,
)
_CREDIT_TAIL = re.compile(r"\s*\(\s*(?:theo|nguồn)\s*:?\s+[^()]{2,60}\)\.?$", re.IGNORECASE)
_NAME_SEPARATOR = re.compile(r"\s*(?:[-–—,/&;]|\svà\s)\s*")
_BYLINE_MAX = 60

# --- anywhere ---------------------------------------------------------------------------------
_NUMBERED_CAPTION = re.compile(r"^\(?\s*(?:ảnh|hình|clip|video)\s*\d{1,2}\s*\)?\s*[:.\-–—]", re.I)
_FILE_NAME = re.compile(r"^[\w.-]+\.(?:jpe?g|png|gif|webp|bmp|tiff?|mp4)$", re.IGNORECASE)
_CAPTION_MAX = 300


def is_caption_block(text: str) -> bool:
    """A numbered caption ("Ảnh 1: …") or a bare image file name left in the text."""
    if len(text) > _CAPTION_MAX:
        return False
    return bool(_NUMBERED_CAPTION.match(text) or ("." in text and _FILE_NAME.match(text)))


def drop_preface(paragraphs: list[str], *, first_styled: bool) -> list[str]:
    """Without an editor's preface (or a series introduction) before the story."""
    if len(paragraphs) < 2:
        return paragraphs
    first = paragraphs[0]
    if _PREFACE.match(first) or (first_styled and _SERIES.search(first)):
        return paragraphs[1:]
    return paragraphs


def strip_lead_marks(text: str) -> str:
    """The first paragraph without a media dateline or a source mark in its lead."""
    stripped = _MEDIA_MARK.sub("", text, count=1)
    if stripped != text:
        return stripped
    if "(" not in text[:_LEAD_WINDOW]:
        return text
    # The next word must start a clause: "(PNTK) - đã có 120 hội viên -" is an aside.
    match = next(
        (m for m in _SOURCE_MARK.finditer(text, 0, _LEAD_WINDOW) if text[m.end()].isupper()),
        None,
    )
    if match is None:
        return text
    before, after = text[: match.start()].strip(), text[match.end() :]
    if not before or _is_place(before):
        return after  # "(BTN) - …", "PHAN THIẾT (BTN) - …"
    # Inside the lead ("Ngày 2/7, tại huyện Tuy Phong (BTN) - Ban Chỉ huy …"): the clause
    # goes on, so the mark becomes the comma it stands for.
    joiner = " " if before.endswith(",") else ", "
    return before + joiner + after


def _is_place(text: str) -> bool:
    """A dateline's place in capitals: "PHAN THIẾT", "HÀ NỘI", "TP. HỒ CHÍ MINH"."""
    letters = text.replace(" ", "").replace(".", "").replace(",", "").replace("-", "")
    return len(text) <= _PLACE_MAX and letters.isalpha() and text.isupper()


def drop_invitations(paragraphs: list[str]) -> list[str]:
    """Without the sentences inviting viewers or listeners to watch or follow the report."""
    out: list[str] = []
    for paragraph in paragraphs:
        # The cheap test first ("ời " alone would match every "người").
        if "mời " not in paragraph and "Mời " not in paragraph and "MỜI " not in paragraph:
            out.append(paragraph)
            continue
        kept = [s for s in split_sentences(paragraph) if not _INVITATION.match(s)]
        if kept:
            out.append(" ".join(kept))
    return out


def _is_capital_byline(text: str) -> bool:
    """ "HẰNG NGA", "MINH TRÍ – QUỐC HƯNG", "BBT": names in capitals, nothing else."""
    text = text.strip().rstrip(".")
    if not text or len(text) > _BYLINE_MAX or not text.isupper():
        return False
    names = [n for n in _NAME_SEPARATOR.split(text) if n]
    if not names or len(names) > 4:
        return False
    for name in names:
        words = name.split()
        if not 1 <= len(words) <= 4 or not all(w.replace("-", "").isalpha() for w in words):
            return False
    return True


def _is_credit(text: str) -> bool:
    if "heo" not in text and "guồn" not in text:  # Theo / theo / Nguồn / nguồn
        return False
    match = _CREDIT.match(text.strip())
    if match is None:
        return False
    source = match.group("source")
    # A source is named ("TTXVN", "Báo Tin tức", "vov.vn"); "theo kế hoạch" is prose.
    return source[0].isupper() or "." in source.split()[0]


def drop_trailing_credits(paragraphs: list[str]) -> list[str]:
    """Without closing bylines in capitals and agency or source credits, whether they are
    paragraphs of their own or follow the last sentence of a brief."""
    out = list(paragraphs)
    for _ in range(3):  # "Theo TTXVN" after "HẰNG NGA" after …
        if len(out) < 2:
            break
        last = out[-1]
        if _is_capital_byline(last) or _is_credit(last):
            out.pop()
            continue
        break
    if out:
        out[-1] = _trim_last_paragraph(out[-1])
    return [p for p in out if p]


def _trim_last_paragraph(text: str) -> str:
    """A credit in brackets or a capital byline after the last sentence of a brief."""
    if text.endswith((")", ").")) and "(" in text:
        text = _CREDIT_TAIL.sub("", text)
    words = text.rstrip(".").rsplit(None, 1)
    if len(words) < 2 or len(words[-1]) < 2 or not words[-1].isupper():
        return text  # the cheap test: a capital byline ends in a word in capitals
    sentences = split_sentences(text)
    if len(sentences) > 1 and _is_capital_byline(sentences[-1]):
        return " ".join(sentences[:-1])
    return text
