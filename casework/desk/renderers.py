"""A pool of long-lived renderer processes, each limited in time and memory.

A web process or worker keeps up to ``size`` renderer processes warm (started on demand by
a fork server, never a plain fork of a threaded parent). A job is a picklable tuple handed
to the pool's ``work`` function, a module-level callable the child imports by name, which
returns a picklable answer. The pool knows nothing about PDFs: ``casework.desk.pdf``
supplies the work and turns the pool's faults into its own errors.

Guarantees, per job:

* a hard wall-clock limit: a renderer that overruns is killed and replaced;
* an address-space limit (``RLIMIT_AS``) set in each renderer before its first job;
* recycling after ``recycle_after`` jobs, after any job that did not answer ``("ok", …)``,
  and when a renderer's peak resident memory passes ``recycle_rss_bytes``, so a fault or a
  leak never lives on into the next job.

The pool is per process: one started in a parent before it forked is not the child's
(``pool_for_this_process`` compares the pid), so gunicorn's preload cannot share pipes.
"""

import os
import resource
import threading
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing import get_context
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext
from multiprocessing.process import BaseProcess
from typing import Any

Work = Callable[..., tuple[str, Any]]


class RendererTimedOut(Exception):
    """The job ran past its time limit; its renderer was killed."""


class RendererDied(Exception):
    """The renderer stopped before answering (killed, crashed, out of memory)."""


@dataclass(frozen=True)
class RendererStats:
    pid: int
    jobs: int
    peak_rss_bytes: int


def _peak_rss_bytes() -> int:
    # ru_maxrss is in kilobytes on Linux (bytes on macOS, where this only over-reports).
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _serve(connection: Connection, work: Work, memory_limit_bytes: int) -> None:
    """A renderer's life: answer jobs one at a time until the pool closes the pipe."""
    if memory_limit_bytes:
        resource.setrlimit(resource.RLIMIT_AS, (memory_limit_bytes, memory_limit_bytes))
    while True:
        try:
            job = connection.recv()
        except (EOFError, OSError):
            return
        try:
            answer = work(*job)
        except BaseException as error:  # MemoryError under RLIMIT_AS, or the work's own bug
            answer = ("error", f"{type(error).__name__}: {error}")
        try:
            connection.send((answer, _peak_rss_bytes()))
        except (BrokenPipeError, OSError):
            return


class _Renderer:
    """One renderer process and the pool's end of its pipe."""

    def __init__(self, context: ForkServerContext, work: Work, memory_limit_bytes: int) -> None:
        self.connection, child_end = context.Pipe(duplex=True)
        self.process: BaseProcess = context.Process(
            target=_serve, args=(child_end, work, memory_limit_bytes), daemon=True
        )
        self.process.start()
        child_end.close()
        self.jobs = 0
        self.peak_rss_bytes = 0

    @property
    def pid(self) -> int:
        return self.process.pid or 0

    def run(self, job: tuple[Any, ...], timeout: float) -> tuple[str, Any]:
        try:
            self.connection.send(job)
            if not self.connection.poll(timeout):
                raise RendererTimedOut(f"took longer than {timeout:g} seconds")
            answer, self.peak_rss_bytes = self.connection.recv()
        except (EOFError, BrokenPipeError, ConnectionResetError):
            raise RendererDied("the renderer stopped unexpectedly") from None
        self.jobs += 1
        return answer

    def stop(self, *, at_once: bool = False) -> None:
        """Close the pipe (an idle renderer sees EOF and exits); kill it if it is busy,
        stuck or asked to go ``at_once``."""
        self.connection.close()
        if not at_once:
            self.process.join(0.5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)


class RenderPool:
    """Up to ``size`` renderers shared by the threads of one process."""

    def __init__(
        self,
        *,
        work: Work,
        size: int,
        recycle_after: int,
        recycle_rss_bytes: int,
        memory_limit_bytes: int,
        preload: tuple[str, ...] = (),
    ) -> None:
        if size < 1:
            raise ValueError("a render pool needs at least one renderer")
        self.work = work
        self.size = size
        self.recycle_after = recycle_after
        self.recycle_rss_bytes = recycle_rss_bytes
        self.memory_limit_bytes = memory_limit_bytes
        self.pid = os.getpid()
        self._context = get_context("forkserver")
        if preload:
            # Renderers start from a fork server that has these modules loaded, so a
            # replacement is ready in tens of milliseconds rather than a second.
            self._context.set_forkserver_preload(list(preload))
        self._turns = threading.BoundedSemaphore(size)
        self._lock = threading.Lock()
        self._idle: list[_Renderer] = []
        self._closed = False
        self.started = 0  # renderers started in this pool's life (tests and the benchmark)

    def run(self, job: tuple[Any, ...], *, timeout: float) -> tuple[str, Any]:
        """Run one job on a warm renderer; raises ``RendererTimedOut`` or ``RendererDied``."""
        with self._turns:
            renderer = self._take()
            try:
                answer = renderer.run(job, timeout)
            except BaseException:
                renderer.stop(at_once=True)
                raise
            if (
                answer[0] == "ok"
                and renderer.jobs < self.recycle_after
                and renderer.peak_rss_bytes < self.recycle_rss_bytes
            ):
                self._give_back(renderer)
            else:
                renderer.stop()
            return answer

    def stats(self) -> list[RendererStats]:
        """The idle renderers' pids, jobs done and peak memory."""
        with self._lock:
            return [RendererStats(r.pid, r.jobs, r.peak_rss_bytes) for r in self._idle]

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for renderer in idle:
            renderer.stop()

    def _take(self) -> _Renderer:
        with self._lock:
            if self._closed:
                raise RendererDied("the render pool is closed")
            if self._idle:
                return self._idle.pop()
            self.started += 1
        return _Renderer(self._context, self.work, self.memory_limit_bytes)

    def _give_back(self, renderer: _Renderer) -> None:
        with self._lock:
            if not self._closed:
                self._idle.append(renderer)
                return
        renderer.stop()
