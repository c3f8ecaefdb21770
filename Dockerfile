# Kon Tum news bot: `docker build -t newsbot . && docker run -e NEWSBOT_TELEGRAM_TOKEN=... newsbot`
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    NEWSBOT_DATABASE_URL=sqlite+aiosqlite:////data/newsbot.db

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY storage ./storage
COPY config ./config
RUN pip install . && useradd --create-home --uid 10001 newsbot \
    && mkdir -p /data && chown newsbot:newsbot /data

USER newsbot
VOLUME ["/data"]

# Healthy while the bot process runs and its database answers.
HEALTHCHECK --interval=60s --timeout=20s --start-period=30s --retries=3 \
    CMD ["newsbot", "db", "current"]

ENTRYPOINT ["newsbot"]
CMD ["run"]
