"""Generation on a Ray cluster: engine actors fed from one queue of problem blocks, behind the Backend interface.

`RayPool` is a backend like the others: the runner (generate/runner.py) gives it every pending request and
writes what it yields, so the driver stays the run directory's one writer and the run keeps the guarantees
of one process (exact n, no duplicates, the seeds of every sample, resume after a crash). Each request is
one block (at most --block-size samples of one problem, seeds fixed by the runner). The pool hands blocks
out in chunks to whichever actor holds fewer unfinished samples than the next chunk's size (a fast node
takes more, a slow one fewer): --ray-chunk-samples while the queue is long, then a share of what is left,
so no actor holds much more than the others near the end and they finish together. An
actor feeds each chunk into its running engine (the backends' `more`), so the engine never drains between
chunks, and sends finished samples back as they come. When an actor, its worker or its node dies, the
samples of its chunks not yet returned go back to the front of the queue as new blocks with the same
per-sample seeds (sample j of a block keeps seed + j), a replacement actor is started, and the other
actors carry on; what came back before is kept. Ctrl-C or a dead driver: Ray ends the driver's actors,
the runner has written what came back, and the same command asks for the rest.
"""

from __future__ import annotations

import platform
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from passk.errors import ConfigError, PasskError
from passk.generate.requests import Completion, Request
from passk.generate.sampling import EngineConfig
from passk.ray_cluster import RayConfig, connect, disconnect, is_connection_loss, task_error
from passk.rundir import RunDir, utc_now

# (index of the request in the list given to `stream`, index in that request of this block's sample 0, the block)
Block = tuple[int, int, Request]
HANDOUTS_AHEAD = 2  # near the end, a chunk is 1/HANDOUTS_AHEAD of an actor's share of what is left
REPORT_SECONDS = 60.0  # cluster progress to the terminal and the manifest at least this often


def chunk_size(remaining: int, actors: int, most: int) -> int:
    """Samples for the next chunk, and how many an actor may hold before it gets one: `most` while the queue is
    long, then a share of what is left, so that near the end every actor holds about as much as the others
    (guided self-scheduling)."""
    return max(1, min(most, -(-remaining // (HANDOUTS_AHEAD * max(actors, 1)))))


def take_chunk(queue: deque[Block], size: int) -> list[Block]:
    """Whole blocks from the front of the queue, at least one, up to `size` samples."""
    chunk: list[Block] = []
    samples = 0
    while queue and (not chunk or samples + queue[0][2].n <= size):
        chunk.append(queue.popleft())
        samples += chunk[-1][2].n
    return chunk


def unfinished(block: Block, returned: set[int]) -> list[Block]:
    """The samples of a block not yet returned, as blocks of consecutive samples: sample j keeps seed + j."""
    from passk.generate.runner import _runs  # the runner's own cut of missing indices into runs

    index, offset, request = block
    return [(index, offset + first, Request(request.prompt, count, request.seed + first, request.sampling))
            for first, count in _runs([j for j in range(request.n) if j not in returned])]


class EngineActor:
    """One engine (one GPU group, or CPUs) somewhere in the cluster. `submit` adds a chunk to the running
    engine; `collect` returns what finished since the last call. A thread of the actor runs the engine."""

    def __init__(self, backend_name: str, model: str, engine: EngineConfig):
        from passk.generate.backends import make_backend

        self.backend = make_backend(backend_name, model, engine)
        self.inbox: deque[tuple[int, list[Request]]] = deque()
        self.finished: list[tuple[int, int, int, Completion]] = []  # (chunk, block in chunk, sample, completion)
        self.error: BaseException | None = None
        self.busy = 0.0
        self.changed = threading.Condition()
        threading.Thread(target=self._run, name="passk-engine", daemon=True).start()

    def describe(self) -> dict[str, Any]:
        return {**self.backend.describe(), "host": platform.node()}

    def submit(self, chunk: int, requests: list[Request]) -> None:
        with self.changed:
            self.inbox.append((chunk, requests))
            self.changed.notify_all()

    def collect(self, wait_seconds: float = 0.5) -> list[tuple[int, int, int, Completion]]:
        with self.changed:
            self.changed.wait_for(lambda: self.finished or self.error, timeout=wait_seconds)
            if self.error is not None:
                raise self.error
            out, self.finished = self.finished, []
        return out

    def busy_seconds(self) -> tuple[float, float]:
        """Seconds the engine had work, and CPU seconds of this actor's process (its every thread)."""
        return self.busy, time.process_time()

    def _take(self, owners: list[tuple[int, int]]) -> list[Request]:
        """Every chunk submitted since, numbered on for the stream under way (owners: request -> chunk, block)."""
        with self.changed:
            batches, self.inbox = list(self.inbox), deque()
        requests = [r for _, rs in batches for r in rs]
        owners += [(chunk, k) for chunk, rs in batches for k in range(len(rs))]
        return requests

    def _run(self) -> None:
        try:
            while True:
                with self.changed:
                    self.changed.wait_for(lambda: self.inbox)
                owners: list[tuple[int, int]] = []
                start = time.perf_counter()
                for batch in self.backend.stream(self._take(owners), more=partial(self._take, owners)):
                    if batch:
                        with self.changed:
                            self.finished += [(*owners[i], j, c) for i, j, c in batch]
                            self.changed.notify_all()
                self.busy += time.perf_counter() - start
        except BaseException as exc:  # noqa: BLE001  (handed to the driver by the next collect)
            with self.changed:
                self.error = exc
                self.changed.notify_all()


@dataclass
class _Actor:
    handle: Any
    number: int
    state: str = "starting"  # starting, alive, dead
    ready: Any = None  # the pending describe() while starting
    collecting: Any = None  # the pending collect() while alive
    info: dict = field(default_factory=dict)
    chunks: dict = field(default_factory=dict)  # chunk number -> _Chunk, while any of its samples is out
    samples: int = 0
    tokens: int = 0
    handed: int = 0
    error: str = ""

    def unfinished(self) -> int:
        return sum(c.unfinished for c in self.chunks.values())

    def health(self) -> dict[str, Any]:
        return {"actor": self.number, "host": self.info.get("host", "?"), "state": self.state, "samples": self.samples,
                "tokens": self.tokens, "chunks": self.handed, **({"error": self.error} if self.error else {})}


@dataclass
class _Chunk:
    blocks: list[Block]
    returned: list[set[int]]
    unfinished: int


class RayPool:
    """A Backend whose engines are Ray actors across the cluster (see the module docstring)."""
    name = "ray"

    def __init__(self, config: RayConfig, backend_name: str, model: str, engine: EngineConfig = EngineConfig(),
                 runs: Sequence[RunDir] = (), progress: bool = True):
        import ray

        self.config, self.runs, self.progress = config, list(runs), progress
        self.started_ray = connect(config)
        try:
            resources = ray.cluster_resources()
            gpus, cpus = int(resources.get("GPU", 0)), float(resources.get("CPU", 0))
            per = engine.tensor_parallel_size
            count = config.actors or (gpus // per if gpus else max(1, int(cpus // config.cpus_per_actor)))
            if gpus and count * per > gpus:
                raise ConfigError(f"--ray-actors {count} x --tp {per} needs {count * per} GPUs; the cluster has {gpus}")
            if not gpus and count * config.cpus_per_actor > cpus:
                raise ConfigError(f"--ray-actors {count} x {config.cpus_per_actor} CPUs exceeds the cluster's {cpus:g}")
            # threads: collect and submit answer while the engine thread runs (max_concurrency, an actor option
            # that ray's typed overloads of remote() leave out)
            self.remote = ray.remote(  # type: ignore[call-overload]
                num_gpus=per if gpus else 0, num_cpus=config.cpus_per_actor, max_restarts=0, max_concurrency=4
            )(EngineActor)
            self.engine_args = (backend_name, model, engine)
            self.actors: list[_Actor] = []
            self.target = count
            for _ in range(count):
                self._start_actor()
        except BaseException:
            disconnect(self.started_ray)
            raise
        self.started = time.perf_counter()
        self.resubmitted = 0  # samples handed out again after their actor died
        self.chunk_count = 0
        self.last_report = time.perf_counter()

    # ---- actors ---------------------------------------------------------------------------------------------
    def _start_actor(self) -> _Actor:
        handle = self.remote.remote(*self.engine_args)
        actor = _Actor(handle, len(self.actors), ready=handle.describe.remote())
        self.actors.append(actor)
        return actor

    def _alive(self) -> list[_Actor]:
        return [a for a in self.actors if a.state == "alive"]

    def _on_ready(self, actor: _Actor) -> None:
        import ray

        try:
            actor.info = ray.get(actor.ready)
            actor.state = "alive"
            self._say(f"actor {actor.number} ready on {actor.info['host']}")
        except Exception as exc:  # noqa: BLE001  (a failed start is this actor's status; raised if all fail)
            actor.state, actor.error = "dead", _first_line(exc)
            self._say(f"actor {actor.number} failed to start: {actor.error}")
        actor.ready = None

    def _on_death(self, actor: _Actor, exc: BaseException, queue: deque[Block]) -> None:
        """Its unreturned samples go to the front of the queue; a replacement starts while work remains."""
        import ray

        was_alive = actor.state == "alive"
        actor.state, actor.error, actor.collecting = "dead", _first_line(exc), None
        lost = [u for chunk in actor.chunks.values() for b, r in zip(chunk.blocks, chunk.returned, strict=True)
                for u in unfinished(b, r)]
        actor.chunks.clear()
        queue.extendleft(reversed(lost))
        samples = sum(b[2].n for b in lost)
        self.resubmitted += samples
        try:
            ray.kill(actor.handle)  # one merely unreachable is ended, freeing its GPU
        except Exception:  # noqa: BLE001  (gone already)
            pass
        replaced = was_alive and len(self.actors) < 2 * self.target and bool(queue)
        if replaced:
            self._start_actor()
        self._say(f"actor {actor.number} on {actor.info.get('host', '?')} died ({actor.error}); {samples} samples "
                  f"back in the queue" + (f", actor {len(self.actors) - 1} starting in its place" if replaced else ""))

    def wait_ready(self, every: bool = False) -> None:
        """Until one actor is ready (its engine loaded), or with `every` until none is starting; an error if
        every one failed to start. Generation itself waits for none: the first ready actor starts on the queue."""
        import ray

        while not self._alive() or every:
            starting = [a for a in self.actors if a.state == "starting"]
            if every and not starting and self._alive():
                return
            if not starting:
                errors = sorted({a.error for a in self.actors})
                raise PasskError(f"no engine actor could start on the Ray cluster: {'; '.join(errors)}")
            ready, _ = ray.wait([a.ready for a in starting], num_returns=1)
            for a in starting:
                if a.ready in ready:
                    self._on_ready(a)

    # ---- Backend ------------------------------------------------------------------------------------------
    def describe(self) -> dict[str, Any]:
        import ray

        self.wait_ready()
        first = self._alive()[0]
        nodes = [n for n in ray.nodes() if n.get("Alive")]
        return {**first.info, "ray": {"address": ray.get_runtime_context().gcs_address, "actors": self.target,
                                      "cpus_per_actor": self.config.cpus_per_actor, "nodes": len(nodes),
                                      "chunk_samples": self.config.chunk_samples}}

    def stream(self, requests: list[Request], more=None) -> Iterator[list[tuple[int, int, Completion]]]:
        import ray

        if more is not None:
            raise PasskError("RayPool takes every request at once")
        queue: deque[Block] = deque((i, 0, r) for i, r in enumerate(requests))
        while queue or any(a.chunks for a in self.actors):
            starting = {a.ready: a for a in self.actors if a.state == "starting"}
            alive = self._alive()
            if not alive and not starting:
                raise PasskError(f"every engine actor on the Ray cluster died ({self.actors[-1].error}); "
                                 f"{sum(b[2].n for b in queue)} samples not generated: run the same command again")
            for actor in alive:  # hand out chunks where there is room; ask each for what finished
                while queue:
                    size = chunk_size(sum(b[2].n for b in queue), len(alive), self.config.chunk_samples)
                    if actor.unfinished() >= size:
                        break
                    self._hand_out(actor, take_chunk(queue, size))
                if actor.collecting is None and actor.chunks:
                    actor.collecting = actor.handle.collect.remote()
            collecting = {a.collecting: a for a in alive if a.collecting is not None}
            ready, _ = ray.wait([*collecting, *starting], num_returns=1, timeout=1.0)
            done: list[tuple[int, int, Completion]] = []
            for ref in ready:
                if ref in starting:
                    self._on_ready(starting[ref])
                    continue
                actor = collecting[ref]
                actor.collecting = None
                try:
                    batch = ray.get(ref)
                except Exception as exc:  # noqa: BLE001  (sorted below: lost workers are redone, errors raised)
                    if not is_connection_loss(exc):
                        raise task_error(exc, f"engine actor {actor.number} on {actor.info.get('host', '?')}") from None
                    self._on_death(actor, exc, queue)
                    continue
                for number, k, j, completion in batch:
                    chunk = actor.chunks[number]
                    index, offset, _ = chunk.blocks[k]
                    chunk.returned[k].add(j)
                    chunk.unfinished -= 1
                    if not chunk.unfinished:
                        del actor.chunks[number]
                    done.append((index, offset + j, completion))
                    actor.samples += 1
                    actor.tokens += completion.num_tokens
            yield done  # possibly empty: a heartbeat, so the runner writes parts on its clock
            if time.perf_counter() - self.last_report >= REPORT_SECONDS:
                self._report()
        self._report()

    def _hand_out(self, actor: _Actor, blocks: list[Block]) -> None:
        self.chunk_count += 1
        actor.chunks[self.chunk_count] = _Chunk(blocks, [set() for _ in blocks], sum(b[2].n for b in blocks))
        actor.handle.submit.remote(self.chunk_count, [b[2] for b in blocks])  # a lost submit shows in collect
        actor.handed += 1

    def close(self) -> None:
        import ray

        for actor in self.actors:
            if actor.state != "dead":
                ray.kill(actor.handle)
        disconnect(self.started_ray)

    # ---- progress -----------------------------------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        """The whole cluster's figures since the pool started, and each actor's."""
        elapsed = time.perf_counter() - self.started
        samples, tokens = sum(a.samples for a in self.actors), sum(a.tokens for a in self.actors)
        return {"at": utc_now(), "seconds": round(elapsed, 3), "samples": samples, "tokens": tokens,
                "samples_per_s": samples / elapsed if elapsed else 0.0,
                "tokens_per_s": tokens / elapsed if elapsed else 0.0, "resubmitted_samples": self.resubmitted,
                "actors": [a.health() for a in self.actors]}

    def busy_seconds(self) -> list[tuple[float, float]]:
        """Per live actor: seconds its engine had work (the rest of the time it had none), and its CPU seconds."""
        import ray

        return ray.get([a.handle.busy_seconds.remote() for a in self._alive()])

    def _report(self) -> None:
        self.last_report = time.perf_counter()
        figures = self.health()
        for run in self.runs:  # the driver writes the manifest; per run directory, the cluster's figures
            run.update_manifest(lambda m: m.throughput.__setitem__("ray", figures))
        states = " ".join(f"{a['actor']}:{a['state']}/{a['samples']}" for a in figures["actors"])
        self._say(f"{figures['samples_per_s']:.1f} samples/s, {figures['tokens_per_s']:,.0f} tok/s; actors {states}")

    def _say(self, line: str) -> None:
        if self.progress:
            from tqdm.auto import tqdm

            tqdm.write(f"passk ray: {line}", file=sys.stderr)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:200]}" if text else type(exc).__name__
