"""Build side: load, clean, parse footnotes, chunk, embed, persist."""
