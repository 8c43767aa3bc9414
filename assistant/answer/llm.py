"""Optional LLM prose: an OpenAI-compatible server rewrites the answer from the shown passages.

Only the prose changes: tools and passages stay retrieval-based. The model sees the numbered
passages of the answer and nothing else, and must cite them as [n]. `check_prose` then keeps a
sentence only when every citation points at a shown passage and the sentence's words are found
in the passages it cites (numbers exactly; German words also through their glossary
translation, since a German answer may rest on English passages). A sentence without a
citation is dropped. When the server is unreachable, fails, times out, answers nothing or
nothing it wrote can be verified, the extractive answer stays and `Answer.note` tells the user.

Errors: LLMError (ToolboxError) for anything the server did or did not do.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace

import httpx

from assistant.answer.compose import TEXTS, Answer, cited_sentences
from assistant.query.expand import default_glossary
from ingest.core.errors import LLMError
from ingest.core.language import STOPWORDS, analyze, words
from ingest.core.records import Hit
from ingest.core.settings import Settings

__all__ = ["MAX_SENTENCES", "MIN_SUPPORT", "MAX_PASSAGE_CHARS", "NOTES", "endpoint", "ProseWriter",
           "messages", "check_prose", "supported"]

log = logging.getLogger(__name__)

MAX_SENTENCES = 5
MIN_SUPPORT = 0.6  # share of a sentence's content words that the cited passages must contain
MAX_PASSAGE_CHARS = 1500
_CITATION = re.compile(r"\[(\d+)\]")
_CITATION_LIST = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)+)\]")  # [1, 2] -> [1][2]
_THINKING = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)
_LANGUAGE_NAMES = {"en": "English", "de": "German"}

NOTES = {
    "en": {
        "failed": "The language model could not be reached or did not answer in time, so this "
                  "answer quotes the guides directly.",
        "unverified": "The language model's answer could not be checked against the passages, "
                      "so this answer quotes the guides directly.",
    },
    "de": {
        "failed": "Das Sprachmodell war nicht erreichbar oder hat nicht rechtzeitig geantwortet; "
                  "diese Antwort zitiert deshalb direkt aus den Leitfäden.",
        "unverified": "Die Antwort des Sprachmodells ließ sich nicht an den Textstellen prüfen; "
                      "diese Antwort zitiert deshalb direkt aus den Leitfäden.",
    },
}


def endpoint(url: str) -> str:
    """The chat-completions URL for a server's base URL, its `/v1`, or the full path."""
    url = url.rstrip("/")
    if url.endswith("/chat/completions"):
        return url
    return f"{url}/chat/completions" if url.endswith("/v1") else f"{url}/v1/chat/completions"


class ProseWriter:
    """Writes answer prose with an OpenAI-compatible chat-completions endpoint."""

    def __init__(self, url: str, model: str = "local", timeout: float = 30.0,
                 api_key: str | None = None) -> None:
        self.url = endpoint(url)
        self.model = model
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        # trust_env=False: no proxy from the environment; the endpoint is what was configured.
        self._client = httpx.Client(timeout=timeout, headers=headers, trust_env=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> ProseWriter | None:
        if not settings.llm_url:
            return None
        return cls(settings.llm_url, settings.llm_model, settings.llm_timeout,
                   settings.llm_api_key)

    def complete(self, messages: list[dict[str, str]]) -> str:
        """The model's reply to `messages`; LLMError when there is none."""
        try:
            response = self._client.post(self.url, json={
                "model": self.model, "messages": messages, "temperature": 0.1,
                "max_tokens": 400, "stream": False})
            response.raise_for_status()
            content = response.json()["choices"][0]["message"]["content"]
        except httpx.TimeoutException:
            raise LLMError(f"{self.url}: no answer within {self._client.timeout.read} s") from None
        except httpx.HTTPStatusError as err:
            raise LLMError(f"{self.url}: HTTP {err.response.status_code}") from None
        except httpx.HTTPError as err:
            raise LLMError(f"{self.url}: {type(err).__name__}: {err}") from None
        except (ValueError, KeyError, IndexError, TypeError):
            raise LLMError(f"{self.url}: the reply is not an OpenAI chat completion") from None
        text = _THINKING.sub("", content if isinstance(content, str) else "").strip()
        if not text:
            raise LLMError(f"{self.url}: the reply is empty")
        return text

    def rewrite(self, answer: Answer) -> Answer:
        """The answer with the model's verified prose, or as it was with a note saying why."""
        notes = NOTES.get(answer.language, NOTES["en"])
        if not answer.passages:
            return answer  # nothing to write from: the extractive text already says so
        try:
            reply = self.complete(messages(answer.query, answer.passages, answer.language))
        except LLMError as err:
            log.warning("answering without the language model: %s", err)
            return replace(answer, note=notes["failed"])
        prose = check_prose(reply, answer.passages)
        if not prose:
            log.warning("no sentence of the language model's reply could be verified: %r",
                        reply[:200])
            return replace(answer, note=notes["unverified"])
        lead = ""
        if answer.tools:
            names = ", ".join(t.tool.name for t in answer.tools[:3])
            lead = TEXTS.get(answer.language, TEXTS["en"])["tools"].format(names=names) + " "
        return replace(answer, text=lead + prose, note="")

    def close(self) -> None:
        self._client.close()


def messages(query: str, passages: tuple[Hit, ...], language: str) -> list[dict[str, str]]:
    """The chat: instructions, then the numbered passages and the question."""
    name = _LANGUAGE_NAMES.get(language, "English")
    system = (
        "You help municipal staff with climate adaptation. Answer the question using only the "
        "numbered passages. Write at most four short sentences in " + name + ". End every "
        "sentence with the number of the passage it comes from in square brackets, like [1]. "
        "Do not add facts the passages do not state. If they do not answer the question, say "
        "so in one sentence.")
    numbered = "\n\n".join(
        f"[{n}] {hit.chunk.title}, p. {hit.chunk.page_start}:\n"
        f"{hit.chunk.text[:MAX_PASSAGE_CHARS]}" for n, hit in enumerate(passages, start=1))
    user = f"Passages:\n\n{numbered}\n\nQuestion: {query}"
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def check_prose(text: str, passages: tuple[Hit, ...]) -> str:
    """Keep the sentences that cite shown passages which contain what they say."""
    text = _CITATION_LIST.sub(lambda m: "".join(f"[{n}]" for n in re.split(r"\s*[,;]\s*",
                                                                           m.group(1))), text)
    text = re.sub(r"\]\s+\[", "][", text)  # '[1] [2]' stays with its sentence when split
    kept: list[str] = []
    for sentence in cited_sentences(" ".join(text.split())):
        numbers = [int(n) for n in _CITATION.findall(sentence)]
        if not numbers or not all(1 <= n <= len(passages) for n in numbers):
            continue
        cited = " ".join(passages[n - 1].chunk.text for n in dict.fromkeys(numbers))
        if supported(_CITATION.sub(" ", sentence), cited):
            kept.append(sentence)
        if len(kept) == MAX_SENTENCES:
            break
    return " ".join(kept)


def supported(claim: str, source: str) -> bool:
    """Whether `source` contains the claim's numbers and most of its content words."""
    source_words = set(words(source))
    if any(w.isdigit() and w not in source_words for w in words(claim)):
        return False
    source_terms = set(analyze(source))
    content = [w for w in words(claim) if w not in STOPWORDS and len(w) > 1 and "-" not in w]
    if not content:
        return False
    found = sum(_word_found(w, source_terms) for w in content)
    return found / len(content) >= MIN_SUPPORT


def _word_found(word: str, source_terms: set[str]) -> bool:
    if set(analyze(word)) & source_terms:
        return True
    glossary = default_glossary()
    translations = glossary.translate(word, "de") + glossary.translate(word, "en")
    return any(set(analyze(t)) & source_terms for t in translations)

