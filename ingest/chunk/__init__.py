"""Chunk: pages and tools -> chunks with page spans, sections and the tools they name."""
