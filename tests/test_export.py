"""Export: the answer, its tools with why, and its sources as Markdown, inert and complete."""

from __future__ import annotations

import time

from assistant.web.export import ExportedAnswers, to_markdown

from .helpers import sample_answer as answer


def test_markdown_has_question_answer_tools_and_sources() -> None:
    md = to_markdown(answer("de", search_query="Hitzewarnungen Pflegeheime",
                            chips=("hazards:heat",)))
    assert md.startswith("# Frage\n\n> Wo bekommen wir Hitzewarnungen für Pflegeheime?")
    assert "_Gesucht nach: Hitzewarnungen Pflegeheime_" in md
    assert "## Antwort" in md and "## Empfohlene Werkzeuge" in md and "## Quellen" in md
    assert "1. **[Hitzewarnsystem des DWD (hitzewarnungen.de, Newsletter)]" in md  # name_de
    assert "](<https://www.hitzewarnungen.de/>)**" in md
    assert "Gefahren: Hitze" in md and "Hitze-Leitfaden, S. 2" in md
    assert "\\[1\\] Hitze-Leitfaden, S. 2" in md
    assert "<script>" not in md and "\\<script\\>" in md


def test_english_export_without_tools() -> None:
    from assistant.answer.compose import Answer

    md = to_markdown(Answer(query="q [x](javascript:alert(1))", text="none", tools=(),
                            passages=(), language="en"))
    assert "# Question" in md and "No tools to show." in md and "No passages to show." in md
    assert "\\[x\\](javascript" in md


def test_exported_answers_render_on_request_and_expire() -> None:
    kept = ExportedAnswers()
    first, second = kept.add(answer("de")), kept.add(answer("en"))
    assert first != second and first.startswith("/exports/") and first.endswith(".md")
    assert kept.markdown(first.rsplit("/", 1)[1]).startswith("# Frage")
    assert kept.markdown(second.rsplit("/", 1)[1]).startswith("# Question")
    for name in ("x.md", "../../etc/passwd", first.rsplit("/", 1)[1].removesuffix(".md"), ""):
        assert kept.markdown(name) is None

    few = ExportedAnswers(max_answers=2)
    names = [few.add(answer()).rsplit("/", 1)[1] for _ in range(3)]
    assert few.markdown(names[0]) is None and few.markdown(names[2]) is not None

    brief = ExportedAnswers(keep_seconds=0.01)
    old = brief.add(answer()).rsplit("/", 1)[1]
    time.sleep(0.02)
    assert brief.markdown(old) is None
