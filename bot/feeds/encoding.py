"""Character-encoding repairs for feeds and pages that mislabel their bytes.

The common fault on Vietnamese sites: UTF-8 bytes labelled ISO-8859-1 or windows-1252 (an
old XML declaration, or a server default charset). Read as labelled, "Sơ kết" becomes
"SÆ¡ káº¿t". Valid multi-byte UTF-8 almost never occurs by chance in single-byte text, so
bytes that decode as UTF-8 are read as UTF-8 whatever the label says.
"""

from __future__ import annotations

import codecs
import re

_XML_DECL = re.compile(
    rb"^(\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)[\"']"
)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)", re.IGNORECASE)
_CHARSET_PARAM = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.IGNORECASE)
# UTF-8 lead byte read as Latin-1/cp1252 (Ã Ä Å Æ á â …) followed by a continuation byte
# read the same way (U+0080–U+00BF or the cp1252 punctuation that replaces 0x80–0x9F).
_MOJIBAKE = re.compile(
    "[\u00c2-\u00ef][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013-\u2122]"
)
_UNICODE_FAMILY = ("utf-8", "utf-16", "utf-32")


def charset_from_content_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    match = _CHARSET_PARAM.search(content_type)
    return _codec_name(match.group(1)) if match else None


def _codec_name(label: str) -> str | None:
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _is_utf8_with_non_ascii(body: bytes) -> bool:
    if body.isascii():
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def repair_declared_encoding(
    body: bytes, content_type: str | None
) -> tuple[bytes, str | None, str | None]:
    """Relabel UTF-8 bytes declared as a single-byte charset.

    Returns (body, content_type, note): the XML declaration and the HTTP charset rewritten to
    UTF-8 when they lied, and a note for the parse warning; unchanged input otherwise.
    """
    match = _XML_DECL.match(body)
    xml_label = _codec_name(match.group(2).decode("ascii")) if match else None
    http_label = charset_from_content_type(content_type)
    wrong = [
        label
        for label in (xml_label, http_label)
        if label is not None and not label.startswith(_UNICODE_FAMILY)
    ]
    if not wrong or not _is_utf8_with_non_ascii(body):
        return body, content_type, None
    if match and xml_label in wrong:
        start, end = match.span(2)
        body = body[:start] + b"UTF-8" + body[end:]
    if content_type and http_label in wrong:
        content_type = _CHARSET_PARAM.sub("charset=utf-8", content_type)
    return body, content_type, f"declared as {', '.join(wrong)} but the bytes are UTF-8"


def _cp1252_reverse() -> dict[str, int]:
    table: dict[str, int] = {}
    for byte in range(0x80, 0xA0):
        try:
            table[bytes([byte]).decode("cp1252")] = byte
        except UnicodeDecodeError:
            continue  # 0x81, 0x8D, 0x8F, 0x90, 0x9D are unassigned in cp1252
    return table


_CP1252_BYTES = _cp1252_reverse()


def fix_mojibake(text: str) -> str:
    """Undo UTF-8 that was decoded as Latin-1/cp1252 somewhere upstream (e.g. the CMS).

    Each character goes back to its byte by Latin-1, or by cp1252 for the punctuation that
    cp1252 puts at 0x80–0x9F; decoders (feedparser too) mix the two, so neither codec
    alone can reverse them. Text that is not such a round trip is returned unchanged.
    """
    if not _MOJIBAKE.search(text):
        return text
    raw = bytearray()
    for char in text:
        code = ord(char)
        if code < 0x100:
            raw.append(code)
        elif char in _CP1252_BYTES:
            raw.append(_CP1252_BYTES[char])
        else:
            return text  # a character no single-byte decoder produced: genuine text
    if raw.endswith(b"\xc3"):
        # "à" is C3 A0 and A0 is a no-break space, which parsers strip from the end of a
        # title: a trailing lone "Ã" is the remains of "à" ("Hà", "và").
        raw.append(0xA0)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return text


def decode_html(body: bytes, content_type: str | None) -> str:
    """Decode a page: UTF-8 if it is valid UTF-8, else the HTTP or <meta> charset."""
    if body.startswith(codecs.BOM_UTF8):
        return body[3:].decode("utf-8", "replace")
    if body.isascii() or _is_utf8_with_non_ascii(body):
        return body.decode("utf-8")
    label = charset_from_content_type(content_type)
    if label is None:
        meta = _META_CHARSET.search(body[:4096])
        label = _codec_name(meta.group(1).decode("ascii")) if meta else None
    return body.decode(label or "utf-8", "replace")


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_ANY_XML_DECL_ENCODING = re.compile(rb"^(\s*<\?xml[^>]*?encoding\s*=\s*[\"'])([A-Za-z0-9._:-]+)")
_ENTITY_DECL = re.compile(rb"<!ENTITY")
_FIRST_ELEMENT = re.compile(rb"<[A-Za-z_]")


def utf16_to_utf8(body: bytes) -> bytes:
    """A UTF-16/32 document (with its byte-order mark) as UTF-8, so that the byte-level
    guards below, and feedparser's own, see its markup. Other bodies are returned as is."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            try:
                text = body.decode(codec)
            except UnicodeDecodeError:
                return body
            data = text.encode("utf-8")
            return _ANY_XML_DECL_ENCODING.sub(rb"\1UTF-8", data, count=1)
    return body


def defuse_entities(body: bytes) -> bytes:
    """Put every entity declaration of the prolog on a line of its own.

    feedparser drops nested entity declarations (the "billion laughs": entities of entities,
    10^9 copies once expanded) but only those that start a line; written on one line they
    reach the XML parser, which expands ~8 MB (measured: 3-7 s of CPU) before its own limit
    stops it. The prolog is everything before the first element.
    """
    start = _FIRST_ELEMENT.search(body)
    end = start.start() if start else len(body)
    if not _ENTITY_DECL.search(body, 0, end):
        return body
    return _ENTITY_DECL.sub(b"\n<!ENTITY", body[:end]) + body[end:]
