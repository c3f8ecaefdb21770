"""WordPress content HTML → clean plain-text paragraphs.

This is on the feed ingest path (every item of every poll), so it uses one lxml parse,
precompiled XPath/regexes and no trafilatura. The station's house style drives the rules:
captions in ``div.wp-caption``, a ``(kontumtv.vn) –`` dateline, a right-aligned bold byline,
``./.`` end marks and WordPress's ``[…]`` excerpt ellipsis.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.etree
import lxml.html

from bot.news.furniture import (
    drop_invitations,
    drop_preface,
    drop_trailing_credits,
    is_caption_block,
    strip_lead_marks,
)
from bot.news.sentences import split_sentences
from bot.news.text import normalize_line

__all__ = ["html_to_paragraphs", "is_byline", "strip_dateline"]

# Elements whose whole subtree is never article text. drop_tree() keeps the tail text.
_JUNK_TAGS = frozenset({
    "script", "style", "noscript", "iframe", "img", "picture", "figure", "figcaption",
    "video", "audio", "source", "object", "embed", "form", "input", "button", "textarea",
    "select", "svg", "canvas", "map", "template",
})  # fmt: skip
_JUNK_CLASSES = frozenset({
    "wp-caption", "wp-caption-text", "gallery", "sharedaddy", "sd-sharing", "share-buttons",
    "addtoany_share_save_container", "jp-relatedposts", "related-posts", "yarpp-related",
    "comment-respond", "comments-area", "post-views", "fb-like", "fb-comments", "zalo-share-button",
})  # fmt: skip
_BLOCK_TAGS = frozenset(
    {
        "p", "div", "section", "article", "header", "footer", "aside", "main", "blockquote",
        "pre", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd",
        "table", "thead", "tbody", "tr", "td", "th", "hr", "address", "center",
    }
)  # fmt: skip
_EMPHASIS = "ancestor::strong or ancestor::b or ancestor::em or ancestor::i"
_PLAIN_TEXT_XPATH = lxml.etree.XPath(f".//text()[normalize-space()][not({_EMPHASIS})]")
_EMPHASISED_TEXT_XPATH = lxml.etree.XPath(f".//text()[normalize-space()][{_EMPHASIS}]")

# WordPress's auto-excerpt "more" marker, "[…]" or "[...]" (the entity is already decoded).
_EXCERPT_MORE = re.compile(r"\s*\[\s*(?:…|\.{3})\s*\]")
# Vietnamese end-of-article mark "./." (sometimes "./" or ". /.").
_END_MARK = re.compile(r"\s*\.\s*/\s*\.?\s*$")
# "(kontumtv.vn) – ", "(Baokontum) -", "(QNg)-", "(KTO) –": a short parenthesised source and
# a dash at the very start of the first paragraph.
_DATELINE = re.compile(r"^\(\s*[^\W\d_][^()]{0,29}\)\s*[-–—]+\s*")
# The caption text leaks into WordPress's auto-excerpt before the dateline ("Quang cảnh kỳ
# họp (kontumtv.vn) – …"). Only a domain-like source is trusted there, so "Anh A (SN 1980) -"
# is left alone.
_LEAKED_DATELINE = re.compile(r"^[^.!?()\n]{1,120}?\s*\(\s*[\w-]+(?:\.[\w-]+)+\s*\)\s*[-–—]+\s*")
# A photo credit ending a line: "…phát biểu tại hội nghị. Ảnh: Hồng Nhung", "(Ảnh: TTXVN)",
# or an illustration note "Ảnh minh họa".
_PHOTO_CREDIT = re.compile(
    r"(?:^|[\s.(–-])\(?(?:Ảnh|ảnh|ẢNH)\s*(?::\s*(?P<credit>[^.!?:]{1,60})|minh họa|minh hoạ)"
    r"\)?\.?\s*$"
)
_CAPTION_MAX = 300
# Share buttons, counters and WordPress comment-form strings that leak into content.
_BOILERPLATE = re.compile(
    r"^(?:chia sẻ(?: bài viết| facebook| zalo| twitter)?|share(?: this)?|like this|thích bài này"
    r"|in bài viết|bình luận|trả lời|phản hồi|gửi bình luận|hủy(?: trả lời)?|tên \*|email \*"
    r"|trang web|tin liên quan|bài viết liên quan|tin cùng chuyên mục|related|lượt xem:?\s*\d*"
    r"|đọc tiếp|xem tiếp|continue reading"
    r"|email của bạn sẽ không được hiển thị công khai\..*|các trường bắt buộc được đánh dấu \*"
    r")\s*:?\s*$",
    re.IGNORECASE,
)
# Byline labels ("Tin, ảnh:", "Bài và ảnh:") and roles ("CTV", "PV") before the names.
_BYLINE_LABEL = re.compile(
    r"^(?:(?:tin|bài|ảnh|video|clip|nguồn|thực hiện)"
    r"(?:\s*(?:,|và|&|/|-|–)\s*(?:tin|bài|ảnh|video|clip))*\s*:\s*)",
    re.IGNORECASE,
)
_BYLINE_ROLE = re.compile(r"^(?:CTV|PV|BTV|KTV|Nhóm PV|Nhóm phóng viên|Theo|Nguồn)\s+")
_BYLINE_SUFFIX = re.compile(r"\s*\([^()]{1,25}\)\.?\s*$")
_NAME_SEPARATOR = re.compile(r"\s*(?:[-–—,/&;]|\svà\s)\s*")
_RIGHT_ALIGN = re.compile(r"text-align\s*:\s*right", re.IGNORECASE)
_TERMINATORS = ".!?…"
_BYLINE_MAX = 80
_TAG = re.compile(r"<[^>]*>")


@dataclass(slots=True)
class _Block:
    text: str
    owner: lxml.html.HtmlElement


def _collect(root: lxml.html.HtmlElement) -> list[_Block]:
    """Flatten the tree into text blocks; block tags start new ones, ``<br>`` becomes ``\\n``."""
    blocks: list[_Block] = []
    buffer: list[str] = []

    def flush(owner: lxml.html.HtmlElement) -> None:
        if buffer:
            text = "".join(buffer)
            buffer.clear()
            if text.strip():
                blocks.append(_Block(text, owner))

    def walk(el: lxml.html.HtmlElement, owner: lxml.html.HtmlElement) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        is_block = tag in _BLOCK_TAGS
        if is_block:
            flush(owner)
        inner_owner = el if is_block else owner
        if tag == "br":
            buffer.append("\n")
        elif tag and el.text:
            buffer.append(el.text)
        for child in el:
            walk(child, inner_owner)
        if is_block:
            flush(inner_owner)
        if el.tail:
            buffer.append(el.tail)

    # The root is the synthetic wrapper: walk its contents only.
    if root.text:
        buffer.append(root.text)
    for child in root:
        walk(child, root)
    flush(root)
    return blocks


def _photo_credit_at(line: str) -> int:
    """Where a trailing photo credit starts in ``line``, or -1 when there is none."""
    if "ảnh" not in line and "Ảnh" not in line and "ẢNH" not in line:
        return -1
    match = _PHOTO_CREDIT.search(line)
    if match is None:
        return -1
    credit = match.group("credit")
    # "chụp ảnh: rất đẹp" is prose; a credit names someone ("Ảnh: Hồng Nhung", "Ảnh: TTXVN").
    if credit is not None and not credit.strip()[:1].isupper():
        return -1
    return match.start()


def _block_text(raw: str) -> str:
    """Normalise one block, dropping boilerplate lines and photo captions.

    A short block with a photo credit on any line is a caption ("Quang cảnh<br>Ảnh: KRT")
    and goes whole; a long paragraph that happens to end with a credit only loses the credit.
    """
    kept: list[str] = []
    credited = False
    for line in raw.split("\n"):
        text = normalize_line(line)
        if not text or _BOILERPLATE.match(text):
            continue
        credit_at = _photo_credit_at(text)
        if credit_at >= 0:
            credited = True
            text = text[:credit_at].rstrip(" –-")
        if text:
            kept.append(text)
    joined = " ".join(kept)
    if credited and len(joined) <= _CAPTION_MAX:
        return ""
    return joined


def strip_dateline(text: str) -> str:
    """Remove a leading ``(source) –`` dateline, and caption text leaked in front of one."""
    stripped = _DATELINE.sub("", text, count=1)
    if stripped == text:
        stripped = _LEAKED_DATELINE.sub("", text, count=1)
    if stripped == text:  # other outlets: "QNgTV-", "TTXVN –", "PHAN THIẾT (BTN) -"
        stripped = strip_lead_marks(text)
    return stripped


def _looks_like_names(text: str) -> bool:
    body = _BYLINE_SUFFIX.sub("", text).rstrip(".").strip()
    body = _BYLINE_LABEL.sub("", body)
    body = _BYLINE_ROLE.sub("", body)
    names = [n for n in _NAME_SEPARATOR.split(body) if n]
    if not names:
        return False
    for name in names:
        words = name.split()
        if not 1 <= len(words) <= 5:
            return False
        if not all(w[0].isupper() and w.replace("-", "").isalpha() for w in words):
            return False
    return True


def is_byline(text: str, *, styled: bool = False) -> bool:
    """True for a short credit line made of person names.

    ``styled`` says the paragraph was right-aligned or wholly bold/italic in the HTML; without
    that, only an explicit label (``Tin, ảnh: …``) marks a byline, so a closing sentence that
    happens to be short is never taken for one.
    """
    text = text.strip()
    if not text or len(text) > _BYLINE_MAX or text.endswith(("!", "?", "…", ":")):
        return False
    if not (styled or _BYLINE_LABEL.match(text)):
        return False
    return _looks_like_names(text)


def _is_styled(owner: lxml.html.HtmlElement) -> bool:
    style = owner.get("style") or ""
    align = (owner.get("align") or "").lower()
    classes = owner.get("class") or ""
    if _RIGHT_ALIGN.search(style) or align == "right" or "right" in classes:
        return True
    # Wholly bold/italic: some emphasised text and no text outside emphasis.
    return bool(_EMPHASISED_TEXT_XPATH(owner)) and not _PLAIN_TEXT_XPATH(owner)


def _trim_excerpt_tail(text: str) -> str:
    """Text cut by WordPress's excerpt: drop the unfinished last sentence, or mark it ``…``."""
    if not text or text[-1] in _TERMINATORS or text[-1] in "”\"')":
        return text
    sentences = split_sentences(text)
    if len(sentences) > 1:
        return " ".join(sentences[:-1])
    return text.rstrip(" ,;:–-") + "…"


def _drop_junk(root: lxml.html.HtmlElement) -> None:
    """Remove media, scripts, captions and share/comment widgets (one pass over the tree)."""
    junk = []
    for el in root.iter():
        if el is root:
            continue
        # Non-string tags are HTML comments and processing instructions.
        if not isinstance(el.tag, str) or el.tag in _JUNK_TAGS:
            junk.append(el)
        else:
            classes = el.get("class")
            if classes and not _JUNK_CLASSES.isdisjoint(classes.split()):
                junk.append(el)
    for el in reversed(junk):  # innermost first, so no element is dropped twice
        el.drop_tree()


def _alt_texts(root: lxml.html.HtmlElement) -> frozenset[str]:
    """Normalised alt texts of the images: a paragraph saying only that is their caption."""
    alts = {normalize_line(img.get("alt")) for img in root.iter("img")}
    alts.discard("")
    return frozenset(alts)


def _parse(html: str) -> lxml.html.HtmlElement | None:
    try:
        root: lxml.html.HtmlElement = lxml.html.fragment_fromstring(html, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return None
    return root


def html_to_paragraphs(html: str) -> list[str]:
    """Turn WordPress ``content:encoded`` or ``description`` HTML into clean paragraphs.

    Drops captions, media, scripts, photo credits, share/comment-form text, the trailing
    byline, the ``./.`` end mark and ``[…]``; strips the dateline of the first paragraph.
    Every paragraph is normalised (entities decoded, NFC, single spaces) and non-empty.
    """
    if not html or not html.strip():
        return []
    root = _parse(html)
    if root is None:
        # lxml found no document (only a comment, say): strip tags by pattern instead.
        return [p for p in (normalize_line(_TAG.sub(" ", ln)) for ln in html.split("\n")) if p]
    alts = _alt_texts(root) if "<img" in html or "<IMG" in html else frozenset()
    _drop_junk(root)

    paragraphs: list[str] = []
    owners: list[lxml.html.HtmlElement] = []
    for block in _collect(root):
        text = _block_text(block.text)
        if text in alts or is_caption_block(text):
            continue  # an image's caption repeated as text, "Ảnh 1: …", "IMG_2034.JPG"
        if "[" in text and _EXCERPT_MORE.search(text):
            text = _trim_excerpt_tail(_EXCERPT_MORE.sub("", text).strip())
        if text.endswith(("/", "/.")):
            text = _END_MARK.sub(".", text).strip()
        if text in {"", "."}:
            continue
        paragraphs.append(text)
        owners.append(block.owner)

    if len(paragraphs) > 1 and len(
        drop_preface(paragraphs, first_styled=_is_styled(owners[0]))
    ) < len(paragraphs):
        paragraphs.pop(0)
        owners.pop(0)
    # Trailing credits: "Tin: A" then "Ảnh: B" can both close an article.
    for _ in range(2):
        if len(paragraphs) > 1 and is_byline(paragraphs[-1], styled=_is_styled(owners[-1])):
            paragraphs.pop()
            owners.pop()
    # Other outlets' closings: capital bylines, "Theo TTXVN", "Mời quý vị cùng theo dõi."
    paragraphs = drop_trailing_credits(drop_invitations(drop_trailing_credits(paragraphs)))

    if paragraphs:
        first = strip_dateline(paragraphs[0])
        if first:
            paragraphs[0] = first
        else:
            paragraphs.pop(0)
    return paragraphs
