"""The answer: cited sentences, optional LLM prose, evidence, and the words around it."""
