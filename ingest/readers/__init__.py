"""One reader per file format; `ingest/parse.py` picks the reader by the file's suffix."""
