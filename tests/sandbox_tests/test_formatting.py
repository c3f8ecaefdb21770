"""HTML and MarkdownV2 parsing details a bot's renderer relies on."""

from __future__ import annotations

import pytest

from tests.sandbox.errors import ApiError
from tests.sandbox.formatting import format_text
from tests.sandbox.text_html import parse_html


def test_entities_for_every_supported_tag() -> None:
    text, entities = parse_html(
        "<b>b</b><strong>s</strong><i>i</i><u>u</u><s>x</s><tg-spoiler>p</tg-spoiler>"
        '<span class="tg-spoiler">q</span><a href="https://kontumtv.vn/?p=1&amp;x=2">a</a>'
        '<code>c</code><pre><code class="language-python">py</code></pre>'
        "<blockquote expandable>bq</blockquote>"
    )
    assert text == "bsiuxpqacpybq"
    kinds = [(e["type"], e["offset"], e["length"]) for e in entities]
    assert kinds == [
        ("bold", 0, 1),
        ("bold", 1, 1),
        ("italic", 2, 1),
        ("underline", 3, 1),
        ("strikethrough", 4, 1),
        ("spoiler", 5, 1),
        ("spoiler", 6, 1),
        ("text_link", 7, 1),
        ("code", 8, 1),
        ("pre", 9, 2),
        ("expandable_blockquote", 11, 2),
    ]
    assert entities[7]["url"] == "https://kontumtv.vn/?p=1&x=2"
    assert entities[9]["language"] == "python"


def test_nested_tags_and_entities_decode() -> None:
    text, entities = parse_html(
        "<b>Kon Tum &#8211; <i>&quot;Tây Nguyên&quot;</i></b> &lt;3 &#x1F4F0;"
    )
    assert text == 'Kon Tum – "Tây Nguyên" <3 📰'
    assert [(e["type"], e["offset"], e["length"]) for e in entities] == [
        ("bold", 0, 22),
        ("italic", 10, 12),
    ]


def test_tags_are_case_insensitive() -> None:
    assert parse_html("<B>x</B>") == ("x", [{"offset": 0, "length": 1, "type": "bold"}])


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        (r"Giá 5\.200 đồng\!", True),
        ("Giá 5.200 đồng", False),
        (r"*đậm* _nghiêng_ `mã.` [liên kết](https://kontumtv.vn)", True),
        ("Kon Tum - Quảng Ngãi", False),
    ],
)
def test_markdown_v2_reserved_characters(text: str, ok: bool) -> None:
    if ok:
        format_text(text, "MarkdownV2", None)
    else:
        with pytest.raises(ApiError, match="is reserved and must be escaped"):
            format_text(text, "MarkdownV2", None)


def test_unknown_parse_mode() -> None:
    with pytest.raises(ApiError, match="unsupported parse_mode"):
        format_text("x", "XML", None)
