"""A model's encoder exported to ONNX at set-up, and run by ONNX Runtime for queries.

Why: embedding the question was most of an unseen search, and ONNX Runtime embeds one faster
than torch with the same vectors; for passages it is slower, so passages stay with torch
(``index.models.embedder``; figures in docs/DECISIONS.md: queries on ONNX Runtime).

The export (``torch.onnx``, opset 17, dynamic batch and length) is written once per weights, under
``<models dir>/<model dir>-onnx/<first 16 hex of the weights' sha256>/`` (never in git): ``python
-m index.models.onnx_export``, part of ``make setup``. Without it queries run on torch. Pooling and
normalisation are sentence-transformers' (mean over the attention mask, unit length); a model
pooled otherwise is refused.

The word-piece embedding table stays outside the ONNX graph, in ``word_embeddings.npy``, read
through a memory map: e5's table is 250,000 x 384 floats (366 MiB) of which a question touches a
few dozen rows, and ONNX Runtime would hold all of it (a server held 1,175 MiB with the table in
the graph, against 898 MiB on torch, whose safetensors file is mapped the same way). The graph
takes the looked-up vectors (``inputs_embeds``); positions and the rest are the model's own.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.models.specs import models_dir

TABLE_FILE = "word_embeddings.npy"


def onnx_path(model_path: Path, weights_hash: str) -> Path:
    """Where the export of the model at ``model_path`` with these weights lives (the graph; its
    embedding table is ``TABLE_FILE`` beside it)."""
    return models_dir() / f"{model_path.name}-onnx" / weights_hash[:16] / "encoder.onnx"


def pools_by_mean(model_path: Path) -> bool:
    """Whether the model's sentence vector is the mean of its token vectors (what we compute)."""
    config = model_path / "1_Pooling" / "config.json"
    if not config.is_file():
        return False
    pooling = json.loads(config.read_text(encoding="utf-8"))
    modes = {k for k, v in pooling.items() if k.startswith("pooling_mode_") and v is True}
    return modes == {"pooling_mode_mean_tokens"}


def export(transformer: Any, tokenizer: Any, path: Path) -> Path:
    """Write ``transformer`` (a Hugging Face encoder) to ``path`` as ONNX, its word-piece table to
    ``TABLE_FILE`` beside it; an existing export is kept. Each file is written beside and renamed,
    the graph last, so a reader never meets half an export."""
    import torch

    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    table = transformer.get_input_embeddings().weight.detach().cpu().numpy().astype(np.float32)
    partial_table = path.parent / f"{TABLE_FILE}.partial"
    with partial_table.open("wb") as f:
        np.save(f, table)
    partial_table.rename(path.parent / TABLE_FILE)

    class Encoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = transformer.eval()

        def forward(
            self, inputs_embeds: torch.Tensor, attention_mask: torch.Tensor
        ) -> torch.Tensor:
            return self.model(inputs_embeds=inputs_embeds, attention_mask=attention_mask)[0]

    sample = tokenizer(["a sample", "two"], padding=True, return_tensors="pt")
    embeds = torch.from_numpy(table[sample["input_ids"].numpy()])
    partial = path.with_suffix(".onnx.partial")
    with torch.no_grad():
        torch.onnx.export(
            Encoder(),
            (embeds, sample["attention_mask"]),
            str(partial),
            input_names=["inputs_embeds", "attention_mask"],
            output_names=["last_hidden_state"],
            dynamic_axes={
                "inputs_embeds": {0: "batch", 1: "length"},
                "attention_mask": {0: "batch", 1: "length"},
                "last_hidden_state": {0: "batch", 1: "length"},
            },
            opset_version=17,
            dynamo=False,
        )
    partial.rename(path)
    return path


class OnnxEncoder:
    """Unit-length sentence vectors from an exported encoder, pooled as sentence-transformers
    pools (mean over the attention mask). Not thread-safe on its own: ``Embedder`` calls it
    under its lock (the tokenizer it shares with torch is not thread-safe either)."""

    def __init__(self, path: Path, tokenizer: Any, max_length: int, threads: int = 0) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # Idle threads spinning for work would take the CPU from torch (an indexing job) and
        # from the request threads between questions, for a few ms a query (docs/DECISIONS.md).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._table = np.load(path.parent / TABLE_FILE, mmap_mode="r")
        self._tokenizer = tokenizer
        self._max_length = max_length

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One unit-length float32 row per text (prefixes already added)."""
        features = self._tokenizer(
            list(texts),
            padding=True,
            truncation=True,
            max_length=self._max_length,
            return_tensors="np",
        )
        embeds = np.ascontiguousarray(self._table[features["input_ids"]], dtype=np.float32)
        mask = features["attention_mask"].astype(np.int64)
        (hidden,) = self._session.run(
            ["last_hidden_state"], {"inputs_embeds": embeds, "attention_mask": mask}
        )
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return np.asarray(pooled / norms, dtype=np.float32)
