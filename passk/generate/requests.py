"""What every backend takes and gives: a `Request` for n samples of one prompt, a `Completion` per sample.

Its own module so that the backends (backends.py, openai_backend.py) and the runner share the types
without importing one another. Sample j of a request is drawn with seed `seed + j`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from passk.generate.sampling import SamplingConfig


@dataclass(frozen=True)
class Request:
    prompt: str
    n: int
    seed: int  # of sample 0; sample j uses seed + j
    sampling: SamplingConfig


@dataclass(frozen=True)
class Completion:
    text: str
    num_tokens: int
    finish_reason: str  # "stop" or "length"


# (index of the request in the list given to `stream`, sample index within the request, the sample)
Finished = tuple[int, int, Completion]


class Backend(Protocol):
    name: str

    # `more`, where given, is asked between engine steps for requests that arrived meanwhile (a Ray actor's
    # next chunk), so the engine never drains between chunks; backends that cannot take it are not used there
    def stream(self, requests: list[Request], more: Callable[[], list[Request]] | None = None
               ) -> Iterator[list[Finished]]: ...

    def describe(self) -> dict[str, Any]: ...  # what the manifest records about the engine actually used

    def close(self) -> None: ...
