# Kon Tum news bot: `docker build -t newsbot . && docker run -e NEWSBOT_TELEGRAM_TOKEN=... newsbot`
# Polling by default; webhook mode with NEWSBOT_WEBHOOK_URL (Telegram calls it through your
# TLS proxy, which forwards to port 8080 here). /healthz, /metrics and WordPress's update ping
# (/wordpress/ping) are on port 8080 too.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    NEWSBOT_DATABASE_URL=sqlite+aiosqlite:////data/newsbot.db \
    NEWSBOT_HTTP_HOST=0.0.0.0 \
    NEWSBOT_HTTP_PORT=8080

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY storage ./storage
COPY config ./config
RUN pip install . && useradd --create-home --uid 10001 newsbot \
    && mkdir -p /data && chown newsbot:newsbot /data

USER 10001
VOLUME ["/data"]
EXPOSE 8080

# /healthz: 503 when the database is unreachable or no feed poll succeeded for three poll
# intervals; the probe needs only the standard library (no curl in the slim image).
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-m", "bot.web.probe"]

# SIGTERM (docker stop) finishes in-flight sends, records them and releases the leader lock
# within 10 s, Docker's default grace period.
STOPSIGNAL SIGTERM
ENTRYPOINT ["newsbot"]
CMD ["run"]
