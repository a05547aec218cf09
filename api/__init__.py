"""Ways in: the FastAPI app, the web page and the citesearch CLI."""
