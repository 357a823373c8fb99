"""Helpers for the test suites (imported by tests only)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connections


def race(calls: list[Callable[[], object]]) -> list:
    """Run the calls at the same instant, each in its own thread and connection."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # reported by the assertions, never swallowed
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results
