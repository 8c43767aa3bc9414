"""The lower layer and the write side: files -> parse -> chunk -> embed -> index.

Sub-packages in data-flow order: `core` (settings, errors, records, language analysis),
`parse` (one reader per format), `chunk`, `embed` (the encoders), `index` (the Chroma store),
`pipeline` (incremental ingest, reindex, the ingest worker). Nothing here imports `assistant`."""
