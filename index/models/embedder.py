"""Sentence embeddings on the CPU from models on disk, never the network (``index.models.specs``
names the models): passages on torch, queries on ONNX Runtime when the model was exported."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np

from index.models.onnx_encoder import OnnxEncoder, onnx_path, pools_by_mean
from index.models.specs import DEFAULT_SECOND, MODELS, ModelChoice, default_model_path
from index.text.sentences import split_sentences

# Who embeds queries: ONNX Runtime when the model's export exists ("auto"), or one of the two.
QueryRuntime = Literal["auto", "onnx", "torch"]
BatchCallback = Callable[[int, int], None]  # (texts embedded so far, texts in all)
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt")


def query_sentences(text: str) -> list[str]:
    """A query's sentences (``index.text.sentences``), or the query whole when it has one or none.

    >>> query_sentences("Who signed it? And when was it ratified by the U.S. Senate?")
    ['Who signed it?', 'And when was it ratified by the U.S. Senate?']
    """
    parts = [text[start:end] for start, end in split_sentences(text)]
    return parts if len(parts) > 1 else [text]


def passage_batches(texts: Sequence[str], batch_size: int = 64) -> list[np.ndarray]:
    """The rows of each batch ``Embedder.encode`` gives the model: longest texts first.

    A vector depends on its batch (padding length, the matrix shapes torch computes with), so
    whoever embeds elsewhere (``index.models.dask_embedder``) sends exactly these batches to get the same
    bits.

    >>> [b.tolist() for b in passage_batches(["a", "ccc", "bb", "dd"], batch_size=3)]
    [[1, 2, 3], [0]]
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    order = np.argsort([-len(t) for t in texts], kind="stable")
    return [order[start : start + batch_size] for start in range(0, len(texts), batch_size)]


class Embedder:
    """Turns texts into unit-length float32 vectors on the CPU.

    ``encode`` embeds passages and ``encode_query`` a query, each with the prefix the model was
    trained with (e5: ``passage: ``/``query: ``; MiniLM: none). ``calls`` counts the ``encode``
    calls that reached the model and ``texts_encoded`` the texts they held, so a caller (or a
    test) can see when a cache saved work.

    One instance may be shared by threads (an indexing job and request handlers): the tokenizer
    and the model are used under a lock, one batch at a time; passage batches on torch (whose
    model has a tokenizer of its own) under another, so a query on ONNX Runtime does not wait
    for an upload's embedding (one on torch waits for at most one batch).

    Queries run on ONNX Runtime when the model was exported at set-up (``index.models.onnx_encoder``:
    faster, the same vectors), passages on torch. The torch model is loaded on the first
    passage to embed (or query, without the export): a server that only answers questions holds
    one copy of the weights, not two.

    >>> embedder = Embedder()
    >>> embedder.encode(["Minsk and Islamabad signed a trade deal."]).shape
    (1, 384)
    >>> Embedder(model="minilm").model_name
    'sentence-transformers/all-MiniLM-L6-v2'

    ``second`` is another model whose vectors of the same chunks an index holds too, searched as
    a third list (``retrieval.search``): by default MiniLM beside e5 (``DEFAULT_SECOND``), none
    beside MiniLM; ``None`` for none. Its passages run through the same chunks (a chunk longer
    than it reads is cut to its first ``second.max_seq_length`` word pieces).
    """

    def __init__(
        self,
        model: ModelChoice = "e5",
        *,
        second: ModelChoice | None | Literal["auto"] = "auto",
        model_path: Path | str | None = None,
        device: str = "cpu",
        query_runtime: QueryRuntime = "auto",
    ) -> None:
        if model not in MODELS:
            raise ValueError(
                f"unknown embedding model {model!r}: choose one of {get_args(ModelChoice)}"
            )
        second_choice = DEFAULT_SECOND[model] if second == "auto" else second
        if second_choice is not None and second_choice not in MODELS:
            raise ValueError(
                f"unknown second model {second_choice!r}: choose one of {get_args(ModelChoice)}"
            )
        if second_choice == model:
            raise ValueError(f"the second model must differ from the first ({model})")
        # Offline before sentence-transformers/transformers are imported: the model is on disk,
        # and a lookup on the Hub would hang or fail without a network.
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from transformers import AutoTokenizer

        self.model = model
        self._spec = MODELS[model]
        self.model_path = Path(model_path) if model_path is not None else default_model_path(model)
        if not (self.model_path / "modules.json").is_file():
            if model == "e5" and model_path is None:
                raise FileNotFoundError(
                    f"multilingual-e5-small is not converted at {self.model_path}: run `make setup`"
                    " or `python -m index.models.e5_convert`"
                )
            raise FileNotFoundError(f"embedding model not found at {self.model_path}")
        self._device = device
        self._torch: Any = None  # the SentenceTransformer, loaded on first use (torch_model)
        self._torch_loading = threading.Lock()
        self._tokenizer: Any = AutoTokenizer.from_pretrained(str(self.model_path))
        layout = _layout(self.model_path)
        if layout is None:  # no sentence-transformers config to read: ask the model itself
            loaded = self.torch_model()
            dimension, length = loaded.get_embedding_dimension(), loaded.max_seq_length
            if dimension is None or length is None:
                raise ValueError(f"{self.model_path} is not a sentence-embedding model")
            layout = (int(dimension), int(length))
        self._dimension, self._max_seq_length = layout
        self._weights_hash: str | None = None
        if query_runtime not in get_args(QueryRuntime):
            raise ValueError(f"unknown query runtime {query_runtime!r}")
        self._query_runtime = query_runtime
        self._onnx: OnnxEncoder | None = None
        self._onnx_loading = threading.Lock()
        # A Hugging Face fast tokenizer shared by threads fails ("expected sequence of length 47
        # at dim 1 (got 36)"): its truncation/padding state is per instance, not per call.
        self._lock = threading.Lock()
        # Passage batches on torch: its SentenceTransformer has a tokenizer of its own, so a
        # query on ONNX Runtime (``_lock``) does not wait for a batch of an upload being embedded
        # (seconds on a busy machine) while its words are already searchable.
        self._torch_lock = threading.Lock()
        self.calls = 0
        self.texts_encoded = 0
        self.second: Embedder | None = (
            Embedder(second_choice, second=None, device=device, query_runtime=query_runtime)
            if second_choice is not None
            else None
        )

    def without_second(self) -> Embedder:
        """This model alone (``second`` None), sharing its tokenizer, its lock and whatever of it
        is loaded already, so no weights are read twice."""
        alone = copy.copy(self)
        alone.second = None
        alone.calls = alone.texts_encoded = 0
        return alone

    def torch_model(self) -> Any:
        """The sentence-transformers model, loaded now if it was not yet (about 5 s for e5)."""
        # Its own lock: queries on ONNX Runtime go on while the first upload loads the model.
        with self._torch_loading:
            if self._torch is None:
                from sentence_transformers import SentenceTransformer

                self._torch = SentenceTransformer(str(self.model_path), device=self._device)
            return self._torch

    # Tests and tools reach the model as ``embedder._model``; it is the torch one.
    _model = property(torch_model)

    @property
    def tokenizer(self) -> Any:
        """The model's word-piece tokenizer (not thread-safe: see the class docstring)."""
        return self._tokenizer

    @property
    def query_runtime(self) -> str:
        """What embeds this embedder's queries: "onnx" or "torch" (decided on first use)."""
        return "onnx" if self._query_encoder() is not None else "torch"

    @property
    def model_name(self) -> str:
        """The name recorded in an index's manifest; an index refuses another model's queries."""
        return self._spec.name

    @property
    def query_prefix(self) -> str:
        return self._spec.query_prefix

    @property
    def passage_prefix(self) -> str:
        return self._spec.passage_prefix

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def passage_tokens(self) -> int:
        """Word pieces per passage the chunker aims for with this model (see ``ModelSpec``)."""
        return min(self._spec.passage_tokens, self._max_seq_length - 2)

    @property
    def max_seq_length(self) -> int:
        """Word pieces the model reads per text (prefix and specials included); the rest is cut."""
        return self._max_seq_length

    @property
    def weights_hash(self) -> str:
        """sha256 over the model's weight files (name and bytes), computed once per instance."""
        if self._weights_hash is None:
            digest = hashlib.sha256()
            files = sorted(p for p in self.model_path.rglob("*") if p.suffix in _WEIGHT_SUFFIXES)
            if not files:
                raise FileNotFoundError(f"no weight files under {self.model_path}")
            for path in files:
                digest.update(path.relative_to(self.model_path).as_posix().encode())
                with path.open("rb") as f:
                    while block := f.read(1 << 20):
                        digest.update(block)
            self._weights_hash = digest.hexdigest()
        return self._weights_hash

    def encode(
        self,
        texts: Sequence[str],
        batch_size: int = 64,
        *,
        show_progress: bool = False,
        on_batch: BatchCallback | None = None,
    ) -> np.ndarray:
        """Passage vectors: unit-length float32, one row per text, in the order given: (n, 384).

        Texts are batched by length so each batch pads to similar lengths (docs/DECISIONS.md:
        batches sorted by length). sentence-transformers sorts inside one ``encode`` call too;
        we feed it batch by batch. ``on_batch(done, total)`` is told the texts embedded after
        each batch.
        """
        return self._encode(texts, self.passage_prefix, batch_size, show_progress, on_batch)

    def encode_query(self, text: str) -> np.ndarray:
        """One unit-length float32 query vector of shape (384,).

        A query of several sentences is embedded sentence by sentence, in one batch, and its
        vector is the normalised mean: a model reads a long question of several asks as one
        blurred topic (docs/DECISIONS.md: a query of several sentences).
        """
        parts = query_sentences(text)
        encoder = self._query_encoder()
        if encoder is None:
            vectors = self._encode(parts, self.query_prefix, len(parts), False)
        else:
            with self._lock:
                vectors = encoder.encode([self.query_prefix + part for part in parts])
                self.calls += 1
                self.texts_encoded += len(parts)
        if len(vectors) == 1:
            return np.asarray(vectors[0], dtype=np.float32)
        mean = vectors.mean(axis=0)
        return np.asarray(mean / max(float(np.linalg.norm(mean)), 1e-12), dtype=np.float32)

    def _query_encoder(self) -> OnnxEncoder | None:
        """The ONNX Runtime session for queries, opened on first use; None: queries use torch."""
        if self._query_runtime == "torch":
            return None
        # Its own lock, as for torch: the first questions of a server arrive together, and each
        # opening a session would load the graph once per thread.
        with self._onnx_loading:
            if self._onnx is None:
                path = onnx_path(self.model_path, self.weights_hash)
                if not (path.is_file() and pools_by_mean(self.model_path)):
                    if self._query_runtime == "onnx":
                        raise FileNotFoundError(
                            f"no ONNX export of {self.model_name} at {path}: run `make setup` "
                            "or `python -m index.models.onnx_export`"
                        )
                    self._query_runtime = "torch"
                    return None
                self._onnx = OnnxEncoder(path, self._tokenizer, self._max_seq_length)
            return self._onnx

    def _encode(
        self,
        texts: Sequence[str],
        prefix: str,
        batch_size: int,
        show_progress: bool,
        on_batch: BatchCallback | None = None,
    ) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        batches: Iterable[np.ndarray] = passage_batches(texts, batch_size)
        if show_progress:
            from tqdm import tqdm

            batches = tqdm(batches, desc="embed", unit="batch")
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        done = 0
        model = self.torch_model()
        for rows in batches:
            with self._torch_lock:
                vectors = model.encode(
                    [prefix + texts[i] for i in rows],
                    batch_size=batch_size,
                    convert_to_numpy=True,
                    normalize_embeddings=True,
                    show_progress_bar=False,
                )
            out[rows] = np.asarray(vectors, dtype=np.float32)
            done += len(rows)
            if on_batch is not None:
                on_batch(done, len(texts))
        with self._lock:
            self.calls += 1
            self.texts_encoded += len(texts)
        return out

    def count_tokens(self, text: str) -> int:
        """Word pieces the model reads of a passage: its prefix's included, <s>/</s> not.

        A passage fits the model whole when ``count_tokens(text) <= max_seq_length - 2``.
        """
        # verbose=False: counting a long text must not warn about the model's length limit.
        with self._lock:
            encoded = self._tokenizer(
                self.passage_prefix + text, add_special_tokens=False, verbose=False
            )
        return len(encoded["input_ids"])


def _layout(model_path: Path) -> tuple[int, int] | None:
    """(dimension, word pieces read) from a sentence-transformers directory's config files, or
    None when they are not there (the model is then loaded to ask it)."""
    pooling = model_path / "1_Pooling" / "config.json"
    bert = model_path / "sentence_bert_config.json"
    if not (pooling.is_file() and bert.is_file()):
        return None
    dimension = json.loads(pooling.read_text(encoding="utf-8")).get("word_embedding_dimension")
    length = json.loads(bert.read_text(encoding="utf-8")).get("max_seq_length")
    if not isinstance(dimension, int) or not isinstance(length, int):
        return None
    return dimension, length
