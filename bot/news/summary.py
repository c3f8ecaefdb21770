"""Short Vietnamese summaries for push messages: the article's first whole sentences."""

from __future__ import annotations

import re

from bot.news.clean import html_to_paragraphs
from bot.news.sentences import split_sentences
from bot.news.text import normalize_line

__all__ = ["DEFAULT_LIMIT", "MAX_SENTENCES", "summarize", "summarize_html"]

DEFAULT_LIMIT = 400
MAX_SENTENCES = 3
_ELLIPSIS = "…"
_TERMINATORS = ".!?…"
_CLOSERS = "\"'”’»)]"
# Q&A items ("Hỏi: …?", "Đáp: …"): a question without its answer reads badly in a push
# message, so the summary never reaches into one after the lede.
_QA_START = re.compile(r"^(?:hỏi|đáp|câu hỏi|trả lời|pv|phóng viên)\s*:", re.IGNORECASE)
_HEADING_MAX = 100


def _ends_sentence(text: str) -> bool:
    core = text.rstrip(_CLOSERS)
    return bool(core) and core[-1] in _TERMINATORS


def _finish(sentence: str) -> str:
    """Give an unpunctuated sentence (a paragraph without final dot) a proper end."""
    if _ends_sentence(sentence):
        return sentence
    return sentence.rstrip(" ,;:–-") + "."


def _cut_at_word(sentence: str, limit: int) -> str:
    """Cut an over-long sentence at the last word boundary that leaves room for ``…``."""
    room = limit - len(_ELLIPSIS)
    head = sentence[:room]
    if len(sentence) > room and not sentence[room].isspace():
        space = head.rfind(" ")
        if space > 0:
            head = head[:space]
    head = head.rstrip(" ,;:–-—(“\"'‘")
    return head + _ELLIPSIS


def _stops_here(paragraph: str, sentences: list[str]) -> bool:
    """After the lede, a heading or a Q&A turn ends the summary."""
    if _QA_START.match(paragraph) or sentences[0].rstrip(_CLOSERS).endswith("?"):
        return True
    return _is_heading(paragraph, sentences)


def _is_heading(paragraph: str, sentences: list[str]) -> bool:
    """A short one-line paragraph without a final stop: a subheading, not prose."""
    return len(sentences) == 1 and not _ends_sentence(paragraph) and len(paragraph) <= _HEADING_MAX


def summarize(paragraphs: list[str], limit: int = DEFAULT_LIMIT) -> str:
    """The first one to three whole sentences that fit in ``limit`` characters.

    Sentences are taken in order while they fit, stopping at three. Only when the very first
    sentence is longer than ``limit`` is it cut at a word boundary and ended with ``…``.
    The result is NFC, single-spaced and ends at a sentence end (or ``…``).
    """
    if limit < 2:
        raise ValueError("limit must leave room for at least one character and '…'")
    chosen: list[str] = []
    length = 0
    for raw in paragraphs:
        paragraph = normalize_line(raw)
        if not paragraph:
            continue
        sentences = split_sentences(paragraph)
        if not chosen and len(paragraphs) > 1 and _is_heading(paragraph, sentences):
            # A short unpunctuated opener is a heading; prefer real sentences after it.
            continue
        if chosen and _stops_here(paragraph, sentences):
            break
        for sentence in sentences:
            if chosen and sentence.rstrip().endswith(":"):
                # "Cụ thể như sau:" promises a list the summary will not show.
                return " ".join(chosen)
            text = _finish(sentence)
            extra = len(text) + (1 if chosen else 0)
            if length + extra > limit:
                if chosen:
                    return " ".join(chosen)
                return _cut_at_word(text, limit)
            chosen.append(text)
            length += extra
            if len(chosen) == MAX_SENTENCES:
                return " ".join(chosen)
    if not chosen:
        # Only headings: use the first one rather than saying nothing.
        for raw in paragraphs:
            heading = normalize_line(raw)
            if heading:
                text = _finish(heading)
                return text if len(text) <= limit else _cut_at_word(text, limit)
    return " ".join(chosen)


def summarize_html(html: str, limit: int = DEFAULT_LIMIT) -> tuple[str, str]:
    """Clean content HTML once; return ``(summary, full clean text joined by blank lines)``."""
    paragraphs = html_to_paragraphs(html)
    return summarize(paragraphs, limit), "\n\n".join(paragraphs)
