"""gunicorn settings; each can be overridden with GUNICORN_* env vars or the command line."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# Longer than the default 2 s so clients pausing between requests (ERP integrations, the
# checkout bench) reuse their connection instead of reconnecting.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
accesslog = "-"
# Never log query strings' secrets: the access log shows the request line only, and
# tokens travel in the Authorization header, which is not logged.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'


def post_worker_init(worker):  # noqa: ARG001 - gunicorn's hook signature
    """Load jieba's dictionary and the synonym table before the first request, not in it."""
    from search.text import warm_up

    warm_up()
