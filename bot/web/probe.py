"""``python -m bot.web.probe``: the container's health check. Exit 0 when ``/healthz`` on
this host answers 200, else 1 (503, refused, no answer within 5 s). The image has no curl;
this needs nothing but the standard library."""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

TIMEOUT_S = 5.0


def healthy(url: str, timeout_s: float = TIMEOUT_S) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as answer:
            return bool(answer.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def main() -> int:
    port = os.environ.get("NEWSBOT_HTTP_PORT") or "8080"
    return 0 if healthy(f"http://127.0.0.1:{port}/healthz") else 1


if __name__ == "__main__":
    sys.exit(main())
