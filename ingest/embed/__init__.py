"""Embed: the text encoders (English MiniLM, multilingual USE) behind one protocol."""
