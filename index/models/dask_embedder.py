"""Passage embedding fanned out to Dask workers, with the bits one process would compute.

Why Dask (``dask.distributed``): its scheduler and workers run as plain processes started by
``dask scheduler`` / ``dask worker`` on any machines, or as a ``LocalCluster`` bound to
127.0.0.1, and ship Python functions and numpy arrays between them; Ray binds non-loopback
addresses, which the tests here must not.

A vector depends on the batch it was computed in (its padding length, the matrix shapes torch
multiplies), so ``DaskEmbedder.encode`` cuts exactly the batches ``Embedder.encode`` would
(``index.models.embedder.passage_batches``), sends one task per batch, and puts the rows back in order: the
vectors are identical to a single process's (checked by tests/index/models/test_dask_embedder.py). Each
worker loads the model once (``EmbedderPlugin``) and every batch it returns carries the hash of
the weights it used, so a worker with another model file is refused rather than mixed in. The
client process keeps its own copy of the model for what the build needs besides vectors (the
tokenizer the chunker counts with, the weights hash the index records); the store is written by
that one process.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from distributed import Client, LocalCluster, WorkerPlugin, get_worker

from index.models.embedder import BatchCallback, Embedder, passage_batches
from index.models.specs import ModelChoice

PLUGIN_NAME = "citesearch-embedder"
DEFAULT_CONNECT_TIMEOUT = 10.0  # seconds to reach a scheduler, and to see a first worker
_ADDRESS = re.compile(r"^(?:(tcp|tls)://)?(\[[0-9a-fA-F:]+\]|[\w.-]+):(\d{1,5})$")


class DaskUnavailable(RuntimeError):
    """The Dask scheduler cannot be reached, has no workers, or its workers cannot embed."""


@dataclass(frozen=True)
class DaskTarget:
    """Where to embed: ``local`` workers on this machine, or the scheduler at ``address``."""

    local_workers: int | None = None
    address: str | None = None


def parse_dask_target(text: str) -> DaskTarget:
    """``local:N`` (N worker processes here) or a scheduler address (``tcp://host:8786``).

    >>> parse_dask_target("local:2")
    DaskTarget(local_workers=2, address=None)
    >>> parse_dask_target("10.0.0.5:8786").address
    'tcp://10.0.0.5:8786'
    """
    text = text.strip()
    if text.startswith("local:"):
        count = text.removeprefix("local:")
        if not count.isdigit() or not 1 <= int(count) <= 256:
            raise ValueError(f"local:N needs a number of workers from 1 to 256, got {text!r}")
        return DaskTarget(local_workers=int(count))
    match = _ADDRESS.match(text)
    if match is None or not 0 < int(match.group(3)) < 65536:
        raise ValueError(
            f"not a Dask scheduler address: {text!r} (examples: tcp://10.0.0.5:8786, local:2)"
        )
    return DaskTarget(address=text if match.group(1) else f"tcp://{text}")


@contextmanager
def dask_client(
    target: str | DaskTarget, *, timeout: float = DEFAULT_CONNECT_TIMEOUT
) -> Iterator[Client]:
    """A client on the scheduler ``target`` names, with at least one worker; closed on exit.

    ``local:N`` starts a ``LocalCluster`` of N worker processes of one task at a time each, every
    socket bound to 127.0.0.1, and stops it on exit. An address that cannot be
    reached within ``timeout`` seconds, or a scheduler with no worker, raises ``DaskUnavailable``.
    """
    if isinstance(target, str):
        target = parse_dask_target(target)
    if target.local_workers is not None:
        cluster = LocalCluster(
            n_workers=target.local_workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            # The scheduler serves HTTP status routes even without a dashboard: on loopback,
            # at a free port (8787 may be another cluster's).
            dashboard_address="127.0.0.1:0",
            silence_logs=logging.ERROR,
        )
        try:
            with Client(cluster) as client:
                yield client
        finally:
            cluster.close()
        return
    assert target.address is not None
    try:
        client = Client(target.address, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        raise DaskUnavailable(
            f"cannot reach the Dask scheduler at {target.address} within {timeout:g} s ({exc})"
        ) from None
    try:
        try:
            client.wait_for_workers(1, timeout=timeout)
        except (OSError, TimeoutError):
            raise DaskUnavailable(
                f"the Dask scheduler at {target.address} has no worker (start some with "
                f"`dask worker {target.address}`)"
            ) from None
        yield client
    finally:
        client.close()


class EmbedderPlugin(WorkerPlugin):
    """Loads the embedding model once per worker, when the worker starts or joins.

    The model is found on the worker's own disk (``model_path``, else the default place of the
    model: ``make setup`` on every worker machine). torch runs ``torch_threads`` threads there:
    the client's count, because the order of a matrix product's sums follows the threads (one
    process at two threads and workers at one differ by 2e-7).
    """

    name = PLUGIN_NAME

    def __init__(
        self, model: ModelChoice, model_path: str | None = None, *, torch_threads: int = 1
    ) -> None:
        self.model = model
        self.model_path = model_path
        self.torch_threads = torch_threads
        self.embedder: Embedder | None = None

    def setup(self, worker: Any) -> None:
        # Workers embed the first model's passages only (the second embeds in the client).
        self.embedder = Embedder(model=self.model, second=None, model_path=self.model_path)

    def teardown(self, worker: Any) -> None:
        self.embedder = None


def _encode_batch(texts: list[str], batch_size: int) -> tuple[str, np.ndarray]:
    """On a worker: one batch's vectors, and the hash of the weights that made them."""
    plugin = get_worker().plugins.get(PLUGIN_NAME)
    if not isinstance(plugin, EmbedderPlugin) or plugin.embedder is None:
        raise RuntimeError("the embedding model is not loaded on this worker")
    embedder = plugin.embedder
    import torch

    # Set in the thread that runs the task: OpenMP keeps a thread count per thread.
    if torch.get_num_threads() != plugin.torch_threads:
        torch.set_num_threads(plugin.torch_threads)
    # The batch comes sorted longest first and holds at most batch_size texts, so encode()
    # keeps its order and gives the model this one list, as the single-process call does.
    return embedder.weights_hash, embedder.encode(texts, batch_size=batch_size)


class DaskEmbedder(Embedder):
    """An ``Embedder`` whose passage vectors are computed by the workers of a Dask ``client``.

    Everything else (queries, word-piece counts, the model's name and weights hash) is done in
    this process with its own copy of the model, so a build takes it where it takes an
    ``Embedder``. ``encode`` returns the same bits as ``Embedder.encode`` in this process: the
    workers run torch with as many threads as this process does (``torch_threads`` changes that,
    and the last bits with it). The second model (``Embedder.second``: MiniLM beside e5, half
    e5's layers) embeds here, in this process.
    """

    def __init__(
        self,
        client: Client,
        model: ModelChoice = "e5",
        *,
        second: ModelChoice | None | Literal["auto"] = "auto",
        model_path: Path | str | None = None,
        torch_threads: int | None = None,
    ) -> None:
        import torch

        super().__init__(model, second=second, model_path=model_path)
        self.client = client
        threads = torch_threads if torch_threads is not None else torch.get_num_threads()
        plugin = EmbedderPlugin(
            model, str(model_path) if model_path is not None else None, torch_threads=threads
        )
        try:
            client.register_plugin(plugin)
        except Exception as exc:  # a worker without the model, or without citesearch installed
            raise DaskUnavailable(
                f"the Dask workers cannot load the {model} model: {type(exc).__name__}: {exc}"
            ) from exc

    @property
    def workers(self) -> int:
        """Workers the scheduler knows of now."""
        return len(self.client.scheduler_info(n_workers=-1)["workers"])

    def encode(
        self,
        texts: Sequence[str],
        batch_size: int = 64,
        *,
        show_progress: bool = False,
        on_batch: BatchCallback | None = None,
    ) -> np.ndarray:
        """Passage vectors as ``Embedder.encode`` gives them, each batch embedded by a worker.

        ``on_batch(done, total)`` is told the texts embedded as each batch comes back.
        """
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        if len(texts) == 0:
            return out
        batches = passage_batches(texts, batch_size)
        futures = self.client.map(
            _encode_batch,
            [[texts[i] for i in rows] for rows in batches],
            [batch_size] * len(batches),
            pure=False,
        )
        done: Iterator[Any] = iter(futures)
        if show_progress or on_batch is not None:
            from distributed import as_completed

            done = as_completed(futures)
        if show_progress:
            from tqdm import tqdm

            done = tqdm(done, total=len(futures), desc="embed", unit="batch")
        embedded = 0
        rows_of = {future.key: rows for future, rows in zip(futures, batches, strict=True)}
        try:
            for future in done:
                weights, vectors = future.result()
                if weights != self.weights_hash:
                    raise DaskUnavailable(
                        "a Dask worker embeds with other model weights than this process "
                        f"({weights[:12]} vs {self.weights_hash[:12]}): install the same model"
                    )
                out[rows_of[future.key]] = vectors
                embedded += len(rows_of[future.key])
                if on_batch is not None:
                    on_batch(embedded, len(texts))
        finally:
            self.client.cancel(futures)
        with self._lock:
            self.calls += 1
            self.texts_encoded += len(texts)
        return out
