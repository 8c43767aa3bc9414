"""The write pipeline: find files, parse, chunk, embed and write them; reindex; the worker."""
