"""The moderation card's buttons, registered with the one callback codec (``bot.callbacks``).

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
