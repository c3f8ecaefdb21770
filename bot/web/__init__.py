"""The bot's one web server: ``/healthz``, ``/metrics`` and (in webhook mode) the webhook."""
