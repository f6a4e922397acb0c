"""gunicorn settings for the production command.

    gunicorn --config gunicorn.conf.py maticko.wsgi:application

Tuned from the environment (README lists the variables). The access line of
each request is written by the application itself (core.middleware.
RequestLogMiddleware, JSON with request id and duration, the route name and a path
without its secrets), so gunicorn's own access log stays off: its raw request line
would carry order secrets and tokens, and it would be a second line per request.
gunicorn's error log is JSON too, and redacted the same way.
"""

import os

from core.redact import RedactSecrets
from maticko.logconfig import JSON_FORMATTER

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")  # the container listens on all interfaces
# gthread: each worker process serves GUNICORN_THREADS requests at once; a
# request waiting on PostgreSQL does not block its siblings. Maticko's subclass
# also tells the application how long each request waited for a thread, so that
# under overload the requests that waited too long are refused at once
# (core/overload.py: REQUEST_QUEUE_DEADLINE_MS, QUEUE_REQUEST_DEADLINE_MS).
worker_class = "core.gunicorn_worker.QueueTimedWorker"
# One process per core, as production runs (two on its 2-vCPU instances): the threads
# already cover the time a request waits on PostgreSQL, and more processes than
# cores only add context switches. On the flash-sale benchmark (2 cores, 50 buyers)
# 2 x 4 sold 0.17-0.195 x the /health/ rate where 4 x 4 sold 0.12-0.14, and shed
# fewer requests (bench/README.md).
workers = int(os.environ.get("WEB_CONCURRENCY", str(os.cpu_count() or 1)))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# Database connections: each worker holds at most threads + 3 (its request threads,
# the outbox's two delivery threads and its sweeper), which is the default of
# DATABASE_POOL_MAX_SIZE (settings.py); an instance holds workers x (threads + 3),
# 2 x 7 = 14 in production (infrastructure/docs/0022-database-roles-and-connections.md).
# Keep-alive connections one worker holds at most (gunicorn's default is 1,000).
# Workers accept connections as fast as they can, so at a rush one worker could
# hold far more clients than another and serve each of them more slowly. Capping
# it spreads clients evenly: on the flash-sale benchmark (200 clients, 4 workers)
# the p99 fell from about 1 s to 0.7 s. Idle connections are closed after
# `keepalive` seconds (the load balancer closes its own after 60 s).
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "64"))
# Connections waiting to be accepted (the kernel caps it at net.core.somaxconn): a crowd
# arriving at once queues here instead of being reset. Django's development server keeps
# ten, so 64 buyers at once already got connection resets from it.
backlog = int(os.environ.get("GUNICORN_BACKLOG", "2048"))
# A request running longer than this is stuck: the worker is restarted.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On SIGTERM finish in-flight requests first (the load balancer has already
# stopped routing new ones during its deregistration delay).
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "25"))
# Longer than the ALB's 60 s idle timeout, so the ALB closes idle connections first.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "75"))
# Recycle workers now and then so a slow leak can never grow without bound. Not
# too often: a new worker reconnects to the database and its keep-alive clients
# reconnect to it, which at an on-sale rush (hundreds of requests per second per
# worker) would happen every few seconds with a limit of a few thousand.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "100000"))
max_requests_jitter = max_requests // 10
# Import the app once in the master; workers fork from it (faster boot, shared memory).
preload_app = True
# The worker heartbeat file lives in memory, not on a container's overlay disk.
_SHM = "/dev/shm"  # noqa: S108 - gunicorn's documented choice for containers
worker_tmp_dir = _SHM if os.path.isdir(_SHM) else None
# Trust X-Forwarded-* from the load balancer; instances accept traffic only from it.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")

# Nothing uses gunicorn's control socket, and its default path is shared by every
# gunicorn of the same user on a machine.
control_socket_disable = True

accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": JSON_FORMATTER,
    },
    # gunicorn's error log can name a request's URI: its secrets are redacted (core/redact.py).
    "filters": {"redact_secrets": {"()": RedactSecrets}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "json",
            "filters": ["redact_secrets"],
        },
    },
    "loggers": {
        "gunicorn.error": {"handlers": ["stdout"], "level": loglevel.upper(), "propagate": False},
        "gunicorn.access": {"handlers": [], "propagate": False},
    },
    "root": {"handlers": ["stdout"], "level": loglevel.upper()},
}


def post_fork(server: object, worker: object) -> None:
    """Each worker sends outbox messages orphaned by a stopped process (core/outbox.py)."""
    from core.outbox import start_sweeper

    start_sweeper()
