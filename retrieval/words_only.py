"""Fair fusion for passages stored by their words alone (an upload whose vectors are still being
made: ``index.build.write_meaning``).

Such a passage can be in no dense list, so weighted fusion gives it only its BM25 share: a new
upload's page, first by its own unique words, ranked below every passage close in meaning to
the query (measured: not in the first ten for its own place name). Until its vectors exist it is
scored over the lists that could hold it, its share scaled to the whole weight, as if it ranked
by meaning as it does by words.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from index.stores.base import StoreReader


def rescale_words_only(
    fused: Sequence[tuple[str, float]],
    weights: Mapping[str, float],
    dense_lists: Collection[str],
    lists: Mapping[str, Sequence[tuple[str, float]]],
    store: StoreReader,
) -> list[tuple[str, float]]:
    """``fused`` (weighted fusion of ``lists`` with ``weights``, best first) with the score of each
    passage stored without vectors divided by the share of the weight its lists hold (those not
    in ``dense_lists``), re-sorted; unchanged (and no store call) when every passage fused is in
    a dense list, and when the store holds none without vectors.

    A pure scaling of scores from the store's answer to ``without_vectors``."""
    in_dense = {cid for name in dense_lists for cid, _ in lists.get(name, ())}
    outside = [cid for cid, _ in fused if cid not in in_dense]
    if not outside:
        return list(fused)
    words_only = store.without_vectors(outside)
    total = sum(weights.get(name, 0.0) for name in lists)
    lexical = total - sum(weights.get(name, 0.0) for name in dense_lists if name in lists)
    if not words_only or lexical <= 0 or total <= lexical:
        return list(fused)
    scale = total / lexical
    rescored = [(cid, score * scale if cid in words_only else score) for cid, score in fused]
    return sorted(rescored, key=lambda pair: (-pair[1], pair[0]))
