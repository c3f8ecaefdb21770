"""Where the shared reference data lives (the Bot API spec and the station fixtures)."""

from __future__ import annotations

import os
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parents[2]
_FIXTURES = REPO_DIR / "tests" / "fixtures"


def _candidates(sub: str) -> list[Path]:
    found: list[Path] = []
    env = os.environ.get("NEWSBOT_SHARED_DIR")
    if env:
        found.append(Path(env) / sub)
    found.append(REPO_DIR.parent / "shared" / sub)
    found.append(_FIXTURES / sub)
    return found


def shared_file(sub: str, name: str) -> Path:
    """First existing ``<dir>/<sub>/<name>``: $NEWSBOT_SHARED_DIR, ../shared, tests/fixtures."""
    tried = [d / name for d in _candidates(sub)]
    for path in tried:
        if path.is_file():
            return path
    raise FileNotFoundError(f"{name} not found; tried: {', '.join(map(str, tried))}")


def spec_path() -> Path:
    return shared_file("telegram", "bot-api.json")


def station_file(name: str) -> Path:
    return shared_file("station", name)
