"""Query side: BM25, dense, fusion, answer sentence, citations."""
