"""Write side: files -> parse -> chunk -> embed -> index."""
