"""The optional LLM against a real OpenAI-compatible HTTP server on loopback (canned replies).

The server stands in for llama.cpp or Ollama: it speaks HTTP and the chat-completions JSON,
so the client, its timeouts and its error handling run for real.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from assistant.answer.compose import Answer, compose
from assistant.answer.llm import NOTES, ProseWriter, check_prose, endpoint
from assistant.web.present import answer_markdown
from ingest.core.records import Chunk, Hit
from ingest.core.settings import Settings

from .conftest import copy_tools, write_pdf

Reply = str | Callable[[dict[str, Any]], str]


class FakeLLM:
    """A chat-completions server on 127.0.0.1 that answers with `reply` after `delay` s."""

    def __init__(self) -> None:
        self.reply: Reply = ""
        self.delay = 0.0
        self.status = 200
        self.requests: list[dict[str, Any]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append({"path": self.path, "body": body,
                                        "auth": self.headers.get("Authorization")})
                time.sleep(server.delay)
                content = server.reply(body) if callable(server.reply) else server.reply
                payload = json.dumps({"id": "x", "object": "chat.completion", "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": content},
                     "finish_reason": "stop"}]}).encode()
                try:
                    self.send_response(server.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout)
                    pass

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def llm() -> Iterator[FakeLLM]:
    server = FakeLLM()
    yield server
    server.close()


def _hit(text: str, page: int) -> Hit:
    chunk = Chunk(chunk_id=f"g#p{page}#c0", kind="passage", source_id="doc:g", doc_id="g",
                  title="Guide", text=text, page_start=page, page_end=page)
    return Hit(chunk=chunk, score=1.0)


PASSAGES = (
    _hit("Heat action plans start with a clear mandate from the city council. The health "
         "office usually coordinates the plan.", 1),
    _hit("Public drinking fountains need a water connection and regular hygiene checks. "
         "Halle (Saale) chose sites with a decision matrix agreed by 4 departments.", 2),
)
QUESTION = "How do we start a heat action plan?"


def _extractive(language: str = "en") -> Answer:
    return compose(QUESTION, [], list(PASSAGES), language)


def test_a_grounded_answer_is_kept_with_its_citations(llm: FakeLLM) -> None:
    llm.reply = ("A heat action plan starts with a clear mandate from the city council [1]. "
                 "The health office usually coordinates it. [1] Fountains need a water "
                 "connection and hygiene checks [2].")
    writer = ProseWriter(llm.url, model="tiny", api_key="k")
    answer = writer.rewrite(_extractive())
    assert answer.note == ""
    assert answer.text == llm.reply
    request = llm.requests[0]
    assert request["path"] == "/v1/chat/completions" and request["auth"] == "Bearer k"
    assert request["body"]["model"] == "tiny"
    prompt = request["body"]["messages"][-1]["content"]
    assert "[1] Guide, p. 1:" in prompt and "[2] Guide, p. 2:" in prompt and QUESTION in prompt


def test_hallucinated_citations_and_uncited_sentences_are_dropped(llm: FakeLLM) -> None:
    llm.reply = ("A heat action plan starts with a clear mandate from the city council [1]. "
                 "The council saved five million euros with it [7]. "
                 "Green roofs halve flood damage in every district [2]. "
                 "Halle chose fountain sites with a matrix agreed by 6 departments [2]. "
                 "Everyone agrees this works well.")
    answer = ProseWriter(llm.url).rewrite(_extractive())
    assert answer.text == ("A heat action plan starts with a clear mandate from the city "
                           "council [1].")
    assert answer.note == ""


def test_nothing_verifiable_keeps_the_extractive_answer_and_says_so(llm: FakeLLM) -> None:
    llm.reply = "Lorem ipsum dolor sit amet [9]. Nothing here [1]."
    extractive = _extractive("de")
    answer = ProseWriter(llm.url).rewrite(extractive)
    assert answer.text == extractive.text and "[1]" in answer.text
    assert answer.note == NOTES["de"]["unverified"]


def test_a_timeout_falls_back_with_a_notice(llm: FakeLLM) -> None:
    llm.delay, llm.reply = 3.0, "A heat action plan starts with a clear mandate [1]."
    extractive = _extractive()
    started = time.perf_counter()
    answer = ProseWriter(llm.url, timeout=0.5).rewrite(extractive)
    assert time.perf_counter() - started < 2.5
    assert answer.text == extractive.text
    assert answer.note == NOTES["en"]["failed"]
    assert answer.note in answer_markdown(answer)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_server_that_is_down_falls_back_with_a_notice() -> None:
    extractive = _extractive()
    answer = ProseWriter(f"http://127.0.0.1:{_closed_port()}/v1", timeout=2).rewrite(extractive)
    assert answer.text == extractive.text and answer.note == NOTES["en"]["failed"]


@pytest.mark.parametrize(("status", "reply"), [(500, "x [1]."), (200, "  "),
                                               (200, "<think>hmm</think>")])
def test_errors_and_empty_replies_fall_back(llm: FakeLLM, status: int, reply: str) -> None:
    llm.status, llm.reply = status, reply
    answer = ProseWriter(llm.url).rewrite(_extractive())
    assert answer.note == NOTES["en"]["failed"]


def test_german_prose_is_checked_against_english_passages_through_the_glossary() -> None:
    german = "Der Hitzeaktionsplan beginnt mit einem Mandat des Stadtrats [1]."
    assert check_prose(german, PASSAGES) == german
    assert check_prose("Der Hochwasserschutz braucht Deiche und Pumpen [1].", PASSAGES) == ""


def test_citation_lists_are_read_and_numbers_must_match() -> None:
    text = "Halle chose fountain sites with a decision matrix agreed by 4 departments [1, 2]."
    assert check_prose(text, PASSAGES) == ("Halle chose fountain sites with a decision matrix "
                                           "agreed by 4 departments [1][2].")


def test_endpoint_accepts_base_v1_or_full_url() -> None:
    assert endpoint("http://h:1") == "http://h:1/v1/chat/completions"
    assert endpoint("http://h:1/v1/") == "http://h:1/v1/chat/completions"
    assert endpoint("http://h:1/v1/chat/completions") == "http://h:1/v1/chat/completions"


def test_settings_read_the_llm_variables() -> None:
    settings = Settings.from_env(environ={"TOOLBOX_LLM_URL": "http://127.0.0.1:8080/v1",
                                          "TOOLBOX_LLM_TIMEOUT": "2.5"})
    assert settings.llm_timeout == 2.5 and settings.llm_model == "local"
    assert ProseWriter.from_settings(Settings.from_env(environ={})) is None
    with pytest.raises(ValueError, match="TOOLBOX_LLM_TIMEOUT"):
        Settings.from_env(environ={"TOOLBOX_LLM_TIMEOUT": "soon"})


def _echo_first_passage(body: dict[str, Any]) -> str:
    """A 'model' that restates the first sentence of passage [1] of the prompt, cited."""
    prompt = body["messages"][-1]["content"]
    passage = prompt.split("[1] ", 1)[1].split(":\n", 1)[1]
    sentence = re.split(r"(?<=[.!?])\s+", passage.strip())[0]
    return f"In short: {sentence.rstrip('.')} [1]. This is made up entirely [3]."


def test_ask_uses_the_llm_end_to_end(tmp_path: Path, embedder, llm: FakeLLM) -> None:
    from assistant.service import Assistant

    kb = copy_tools(tmp_path / "kb", ["halle-trinkbrunnen-entscheidungsmatrix",
                                      "dwd-hitzewarnsystem", "mannheim-hitzeaktionsplan"])
    write_pdf(kb / "guide.pdf", [
        "Drinking water. Public drinking fountains help older people on hot days; the Halle "
        "(Saale) decision matrix for siting public drinking fountains picks the places.",
        "Warnings. The DWD heat warning system alerts care homes before a heatwave."],
        title="Heat guide")
    settings = Settings.from_env(environ={}, data_dir=tmp_path / "data", collection="llm",
                                 llm_url=llm.url, llm_timeout=5)
    assistant = Assistant(settings, embedder=embedder)
    assert not assistant.ingest([kb]).failed
    llm.reply = _echo_first_passage
    answer = assistant.ask("Where should we put drinking fountains?")
    assert answer.note == "" and answer.text.count("[1]") == 1
    assert "In short:" in answer.text and "made up" not in answer.text
    assert answer.tools and answer.text.startswith("Tools that fit your question")

    assistant.writer = ProseWriter(f"http://127.0.0.1:{_closed_port()}", timeout=2)
    fallback = assistant.ask("Where should we put drinking fountains?")
    assert fallback.note == NOTES["en"]["failed"] and "[1]" in fallback.text
