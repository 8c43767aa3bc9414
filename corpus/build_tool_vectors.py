"""Write corpus/tool_vectors.npz: the shipped tools' vectors by the tool encoder (e5).

Usage: python corpus/build_tool_vectors.py [DATA_DIR]

A first start seeds its cache with them (assistant/retrieval/vector_cache.py's `seed`), so it
embeds only tools changed since; e5 takes 15-30 s for the 152 shipped tools here. The texts are
those the app embeds: the tool chunks of an index built from this folder (DATA_DIR, a fresh
temporary one by default). Run it again after editing tools/ (tests/test_vector_cache.py says
when the file no longer covers them); a stale file costs only the embedding of what changed.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from assistant.retrieval import vector_cache  # noqa: E402
from assistant.service import Assistant  # noqa: E402
from ingest.chunk.split import embedding_text  # noqa: E402
from ingest.core.settings import Settings, configure_offline  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", nargs="?", type=Path, default=None)
    args = parser.parse_args()
    configure_offline()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="tool-vectors-"))
    settings = Settings.from_env(environ={}, data_dir=data_dir, corpus_dir=HERE)
    assistant = Assistant(settings)
    assistant.ensure_index()
    encoder = assistant.tool_encoder
    if encoder is None:
        raise SystemExit("no tool encoder configured")
    snapshot = assistant.retriever.snapshot
    texts = [embedding_text(snapshot.chunks[i]) for i in snapshot.tool_positions]
    vectors = snapshot.tool_vectors_e5
    assert vectors is not None and len(vectors) == len(texts)
    vector_cache.write_seed(HERE / vector_cache.SEED, encoder.identity, texts, vectors)
    print(f"{HERE / vector_cache.SEED}: {len(texts)} tools by {encoder.identity}")


if __name__ == "__main__":
    main()
