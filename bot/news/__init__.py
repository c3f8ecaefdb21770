"""Text processing for station articles: cleaning, sentences, summaries, topics, search.

Pure functions with no Telegram dependency; ``extract`` (trafilatura) is imported lazily by
callers that need it, so the feed path does not pay for it.
"""

from bot.news.clean import html_to_paragraphs
from bot.news.folding import fold, fold_query
from bot.news.sentences import split_sentences
from bot.news.summary import summarize, summarize_html
from bot.news.text import normalize_text
from bot.news.topics import slugify, topic_name

__all__ = [
    "fold",
    "fold_query",
    "html_to_paragraphs",
    "normalize_text",
    "slugify",
    "split_sentences",
    "summarize",
    "summarize_html",
    "topic_name",
]
