"""Set-up: each model's encoder exported to ONNX for its queries (``index.models.onnx_encoder``).

``python -m index.models.onnx_export`` (part of ``make setup``) writes the export once per weights.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from index.models.embedder import Embedder
from index.models.onnx_encoder import export, onnx_path, pools_by_mean
from index.models.specs import MODELS


def export_for(embedder: Embedder) -> Path:
    """Export ``embedder``'s model for its queries (a no-op when already exported)."""
    if not pools_by_mean(embedder.model_path):
        raise ValueError(f"{embedder.model_path}: not mean-pooled; queries stay on torch")
    path = onnx_path(embedder.model_path, embedder.weights_hash)
    return export(embedder.torch_model()[0].auto_model, embedder.tokenizer, path)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m index.models.onnx_export",
        description="Export the embedding models to ONNX for fast queries (once per weights).",
    )
    parser.add_argument("--model", choices=sorted(MODELS), action="append")
    args = parser.parse_args(argv)
    for name in args.model or sorted(MODELS):
        path = export_for(Embedder(model=name, second=None, query_runtime="torch"))
        print(f"{name}: {path} ({path.stat().st_size / 2**20:.0f} MiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
