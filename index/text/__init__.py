"""Text work on source text: pages, footnotes, cleaning, sentences, BM25 terms and chunks."""
