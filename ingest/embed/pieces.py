"""The one importer of the C++ `sentencepiece` (tests/test_architecture.py): both tokenizers
built on it, USE-m's (multilingual.py) and e5's (e5_tokenizer.py), take it from here."""

from __future__ import annotations

from sentencepiece import SentencePieceProcessor

__all__ = ["SentencePieceProcessor"]
