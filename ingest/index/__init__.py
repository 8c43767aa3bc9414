"""Index: the Chroma store (embedded or a server), its generations and its manifest."""
