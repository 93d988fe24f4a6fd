"""Running sites on threads in this process, `parallel` at a time, in file order, past failing sites, with
Ctrl-C stopping every site before its next write. The runner uses it directly, and each worker process
(migrate.sites.pool) for its share of the sites."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Sequence

from migrate.errors import EXIT_ERROR
from migrate.progress import BulkProgress
from migrate.sites.config import SiteSpec
from migrate.sites.outcomes import SKIPPED, Event, SiteOutcome, _error_outcome


def run_on_threads(
    specs: Sequence[SiteSpec],
    one: Callable[[SiteSpec], SiteOutcome],
    action: str,
    parallel: int,
    on_event: Event | None,
    *,
    stop: threading.Event | None = None,
    progress: BulkProgress | None = None,
    skipped: Callable[[SiteSpec], SiteOutcome] | None = None,
) -> tuple[tuple[SiteOutcome, ...], bool]:
    """Run `one` for every site, `parallel` at a time, in file order. Returns (outcomes, interrupted).

    With a `stop` event (runs that write), Ctrl-C sets it: the executors stop before their next write,
    the running sites wind down and report what they did, the sites not started yet become `skipped`
    rows, and the run returns interrupted=True. A second Ctrl-C stops waiting. Without one (read-only
    runs), Ctrl-C ends the run at once."""
    emit = on_event or (lambda site, stage, detail: None)
    parallel = max(1, int(parallel))

    def guarded(spec: SiteSpec) -> SiteOutcome:
        if stop is not None and stop.is_set() and skipped is not None:
            # asked to stop before this site started (Ctrl-C, or a worker process told so by its parent)
            row = skipped(spec)
            row.message = row.message or "not started: the run was interrupted first"
            if progress is not None:
                progress.finish(spec.name)
            emit(spec.name, "skipped", row.message)
            return row
        started = time.monotonic()
        emit(spec.name, "start", spec.url)
        try:
            res = one(spec)
        except BaseException as e:  # noqa: BLE001 - one site's failure is that site's row, nothing more
            if isinstance(e, (KeyboardInterrupt, SystemExit)):
                raise
            res = _error_outcome(spec, action, e)
        res.seconds = time.monotonic() - started
        if progress is not None:
            progress.finish(spec.name)
        emit(spec.name, res.status, res.message)
        return res

    if not specs:
        return (), False
    if progress is not None:
        progress.start()
    with ThreadPoolExecutor(max_workers=min(parallel, len(specs)), thread_name_prefix="site") as pool:
        futures = [pool.submit(guarded, s) for s in specs]
        try:
            return tuple(f.result() for f in futures), False
        except KeyboardInterrupt:
            if stop is None:
                for f in futures:
                    f.cancel()
                raise
            stop.set()
            for f in futures:
                f.cancel()
        outcomes = []
        for spec, f in zip(specs, futures):
            if f.cancelled():
                row = skipped(spec) if skipped else SiteOutcome(spec.name, spec.url, action, "skipped", EXIT_ERROR)
                row.state, row.status = SKIPPED, "skipped"
                row.message = row.message or "not started: the run was interrupted first"
                emit(spec.name, "skipped", row.message)
                outcomes.append(row)
            else:
                outcomes.append(f.result())  # a second Ctrl-C here ends the wait
        return tuple(outcomes), True
