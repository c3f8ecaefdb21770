"""Article text from a full WordPress page (for "Đọc bài" and items whose feed has no body).

Slow compared with the feed path (trafilatura runs its own readability pass), so production
calls these in a worker thread; they stay pure functions of their input.
"""

from __future__ import annotations

import lxml.etree
import lxml.html
import trafilatura

from bot.news.clean import html_to_paragraphs
from bot.news.text import normalize_text

__all__ = ["extract_article", "og_image"]

# Captions and the WordPress content node, read straight from the page with lxml.
_CAPTIONS = lxml.etree.XPath(
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' wp-caption-text ')] | //figcaption"
)
# Most specific first: <article> also holds the title, meta line, share buttons and footer.
_CONTENT_NODES = tuple(
    lxml.etree.XPath(path)
    for path in (
        "//*[contains(concat(' ', normalize-space(@class), ' '), ' entry-content ')]",
        "//*[contains(concat(' ', normalize-space(@class), ' '), ' post-content ')]",
        "//article",
    )
)
_OG_IMAGE = lxml.etree.XPath(
    "//meta[@property='og:image' or @name='og:image'"
    " or @property='og:image:url' or @property='og:image:secure_url']/@content"
)


def _parse_page(page_html: str) -> lxml.html.HtmlElement | None:
    if not page_html or not page_html.strip():
        return None
    try:
        # Bytes let lxml honour a <meta charset> or XML declaration instead of refusing it.
        root: lxml.html.HtmlElement = lxml.html.document_fromstring(page_html.encode("utf-8"))
    except (lxml.etree.ParserError, ValueError):
        return None
    return root


def _trafilatura_html(page_html: str, url: str | None) -> str:
    # HTML output keeps <strong>/<em>, which the byline rule in clean.py relies on.
    result = trafilatura.extract(
        page_html,
        url=url,
        output_format="html",
        include_comments=False,
        include_tables=False,
        include_links=False,
        include_images=False,
        include_formatting=True,
        # Without it a short page (a video post: one paragraph and a byline) goes through
        # trafilatura's baseline pass, which fuses title, body and byline into one paragraph.
        favor_precision=True,
    )
    return result or ""


def _fallback_html(root: lxml.html.HtmlElement) -> str:
    """The WordPress body node, preferring ``.entry-content`` over the whole ``<article>``."""
    for xpath in _CONTENT_NODES:
        for node in xpath(root):
            html = lxml.html.tostring(node, encoding="unicode")
            if isinstance(html, str) and html.strip():
                return html
    return ""


def extract_article(page_html: str, url: str | None = None) -> str:
    """Body text of an article page, paragraphs joined by ``"\\n\\n"``.

    Navigation, share buttons, related posts, sidebar, footer, view counters and the comment
    form are left out; the text is cleaned like ``html_to_paragraphs`` (dateline, captions and
    byline removed). Returns ``""`` when the page has no recognisable article.
    """
    root = _parse_page(page_html)
    if root is None:
        return ""
    paragraphs = html_to_paragraphs(_trafilatura_html(page_html, url))
    if not paragraphs:
        paragraphs = html_to_paragraphs(_fallback_html(root))
    # trafilatura may keep a caption as an ordinary paragraph; the page says which ones are.
    captions = {normalize_text(el.text_content()) for el in _CAPTIONS(root)}
    captions.discard("")
    return "\n\n".join(p for p in paragraphs if p not in captions)


def og_image(page_html: str) -> str | None:
    """The page's ``og:image`` URL, or ``None`` when it declares none."""
    root = _parse_page(page_html)
    if root is None:
        return None
    for value in _OG_IMAGE(root):
        image = normalize_text(str(value))
        if image:
            return image
    return None
