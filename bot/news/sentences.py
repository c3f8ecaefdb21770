"""Rule-based Vietnamese sentence splitting.

Runs on every ingested article, so it is a single pass of precompiled regexes; it never
imports an NLP toolkit (underthesea's ``sent_tokenize`` splits ``(kontumtv.vn)`` in two).

A boundary is terminal punctuation (``.``, ``!``, ``?``, ``…``), optionally followed by
closing quotes or brackets, then whitespace, then something that can start a sentence. That
already keeps ``5.200``, ``1.034,5``, ``4/7`` and ``kontumtv.vn`` whole (no space after the
dot); the checks below reject the remaining false boundaries.
"""

from __future__ import annotations

import re

__all__ = ["ABBREVIATIONS", "split_sentences"]

# Titles and place prefixes written with a trailing dot in Vietnamese news. Case matters:
# "TP." is an abbreviation, a sentence ending in the word "tp." does not occur.
ABBREVIATIONS: frozenset[str] = frozenset(
    {
        "TP", "Tp", "tp", "TX", "Tx", "TT", "Tt",
        "TS", "ThS", "Ths", "PGS", "GS", "BS", "Bs", "CKI", "CKII", "BSCKI", "BSCKII",
        "KS", "CN", "NCS", "NSND", "NSƯT", "NGND", "NGƯT", "TTND", "TTƯT", "LS", "DS",
        "St", "Mr", "Mrs", "Ms", "Dr", "Prof",
    }
)  # fmt: skip

# Words after which a lone capital letter is a Roman numeral ("lần thứ V."), so the dot can
# end the sentence; after a capitalised name word the letter is an initial ("Nguyễn H. Nam").
_ORDINAL_WORDS = frozenset({"thứ", "khóa", "khoá", "lần", "kỳ", "kì", "phần", "chương", "mục"})

_CLOSERS = "\"'”’»)]"
_OPENERS = "\"'“‘«(["
# Terminal run, optional closers, whitespace, then the first character of the next sentence.
_BOUNDARY = re.compile(rf"(?P<end>[.!?…]+[{re.escape(_CLOSERS)}]*)(?P<gap>\s+)(?=(?P<next>\S))")
# The word right before a dot: letters, digits and inner dots ("PGS.TS", "v.v").
_WORD_BEFORE = re.compile(r"([^\s(\[\"'“‘«]+)$")
# Spans inside which we never split: balanced parentheses and curly/straight quotes of a
# bounded length (an unbalanced quote must not swallow the rest of the article).
_PROTECTED = re.compile(r"\([^()\n]{0,300}\)|“[^“”\n]{0,400}”|\"[^\"\n]{0,400}\"")
_PARAGRAPH_BREAK = re.compile(r"\s*\n\s*")


def _protected_spans(text: str) -> list[tuple[int, int]]:
    if "(" not in text and "“" not in text and '"' not in text:
        return []
    return [(m.start() + 1, m.end() - 1) for m in _PROTECTED.finditer(text)]


def _inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(start <= pos < end for start, end in spans)


def _starts_sentence(char: str) -> bool:
    return char.isupper() or char.isdigit() or char in _OPENERS or char in "-–—•"


def _is_false_stop(text: str, dot_at: int) -> bool:
    """True when the dot at ``dot_at`` belongs to an abbreviation or an initial."""
    match = _WORD_BEFORE.search(text, 0, dot_at)
    if match is None:
        return False
    word = match.group(1)
    if word in ABBREVIATIONS:
        return True
    if len(word) == 1 and word.isupper():
        # Lone capital: an initial inside a name, unless an ordinal word precedes it.
        before = text[: match.start()].rstrip()
        prev = before.rsplit(None, 1)[-1] if before else ""
        if prev.lower() in _ORDINAL_WORDS:
            return False
        return not prev or prev[0].isupper()
    # "PGS.TS." / "Th.S." style chains of abbreviations.
    parts = word.split(".")
    return len(parts) > 1 and all(
        part in ABBREVIATIONS or (len(part) == 1 and part.isupper()) for part in parts
    )


def _split_block(text: str, out: list[str]) -> None:
    spans = _protected_spans(text)
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.group("end")
        next_char = match.group("next")
        if not _starts_sentence(next_char):
            # "gạo, thịt… đều tăng": ellipsis or dot followed by a lowercase word.
            continue
        # Judge by the last character of the terminal run: a quote that closes a protected
        # span ends the sentence with it, a dot inside the span does not.
        if _inside(match.end("end") - 1, spans):
            continue
        if end[0] == "." and len(end.rstrip(_CLOSERS)) == 1 and _is_false_stop(text, match.start()):
            continue
        sentence = text[start : match.end("end")].strip()
        if sentence:
            out.append(sentence)
        start = match.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)


def split_sentences(text: str) -> list[str]:
    """Split Vietnamese text into sentences; line breaks always end a sentence.

    Keeps abbreviations (``TP.``, ``TS.``, ``BS. CKII``), initials, numbers (``5.200``,
    ``1.034,5``), dates, domains, inner ellipses, parentheses and quotations whole; a closing
    quote after the final dot stays with its sentence.
    """
    out: list[str] = []
    if not text:
        return out
    for block in _PARAGRAPH_BREAK.split(text.strip()):
        if block:
            _split_block(block, out)
    return out
