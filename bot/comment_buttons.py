"""Comment buttons (moderation card, comment list pages), in the one callback codec.

Its own module because both the card's renderer (``bot.delivery.messages``) and the
moderation handlers need it, and neither may import the other.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.callbacks import button
from storage.enums import ModerationAction


@button("m")
@dataclass(frozen=True, slots=True)
class ModerateButton:
    """✅ / ❌ / 🚫 on a pending comment's card: ``m:<comment id>:<action>``."""

    comment_id: int
    action: ModerationAction

    def __post_init__(self) -> None:
        if self.comment_id <= 0:
            raise ValueError("comment ids are positive")


@button("cl")
@dataclass(frozen=True, slots=True)
class CommentsPage:
    """◀ / ▶ under an article's comment list: ``cl:<article id>:<page>``."""

    article_id: int
    page: int

    def __post_init__(self) -> None:
        if self.article_id <= 0 or not 0 <= self.page < 10_000:
            raise ValueError("an article id and a page number")
