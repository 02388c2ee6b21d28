"""gunicorn settings; each can be overridden with GUNICORN_* env vars or the command line."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
# One thread per worker (gunicorn's sync worker): a request runs as soon as a worker is
# free, so latency stays even under load (threads of one worker contend for its GIL, and
# a keep-alive connection stays with one worker however busy it is; the comparison is in
# bench/README.md). Sync workers close the connection after each
# response; in production they sit behind a buffering reverse proxy (nginx), which keeps
# client connections alive and absorbs slow clients. GUNICORN_THREADS > 1 switches to
# gthread workers, for running without such a proxy.
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# The sync worker, closing a connection as soon as a fully read request has its answer
# instead of waiting for the client to close first (marketplace/web/serving.py).
worker_class = os.environ.get(
    "GUNICORN_WORKER_CLASS",
    "marketplace.web.serving.PromptCloseSyncWorker" if threads == 1 else "gthread")
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# gthread workers only: longer than the default 2 s so clients pausing between requests
# (ERP integrations) reuse their connection instead of reconnecting.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
accesslog = "-"
# Never log query strings' secrets: the access log shows the request line only, and
# tokens travel in the Authorization header, which is not logged.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'


def post_worker_init(worker):  # noqa: ARG001 - gunicorn's hook signature
    """Load jieba's dictionary and the synonym table before the first request, not in it."""
    from search.text import warm_up

    warm_up()
