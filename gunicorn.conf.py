"""Production gunicorn settings; every knob can be set from the environment."""

import multiprocessing
import os
from pathlib import Path

import environ

# The same .env as the app's settings (variables already in the environment win).
if (Path(__file__).parent / ".env").exists():
    environ.Env.read_env(Path(__file__).parent / ".env")

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS") or multiprocessing.cpu_count() * 2)
# gthread, with gunicorn's own refusals (414 URL too long, 431, 400) answered as the API's JSON
# errors instead of HTML pages, and a request's headers and body bounded to
# GUNICORN_REQUEST_READ_TIMEOUT seconds (default 10; 408 past it) so slow clients cannot hold
# every thread (core/gunicorn_worker.py reads that variable itself).
worker_class = "core.gunicorn_worker.JsonErrorThreadWorker"
# The longest request line (method, path, query) gunicorn reads: 414 past it, documented on
# every operation (core/openapi.py says this number). gunicorn's default; 8190 at most.
limit_request_line = 4094
# Two threads per worker measured best on 2 cores (bench/README.md): more threads only
# contend for the GIL, one cannot overlap a worker's database waits.
threads = int(os.environ.get("GUNICORN_THREADS") or 2)
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 30)
graceful_timeout = 20
keepalive = 5
# The app logs every request as one JSON line (request id, user, status, duration); gunicorn's
# own plain-text access log is off unless GUNICORN_ACCESSLOG names a file ("-": stdout).
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = "-"
# Load the app once in the master: settings (and the embedded database) start once.
preload_app = True
