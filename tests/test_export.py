"""Export: the answer, its tools with why, and its sources as Markdown, inert and complete."""

from __future__ import annotations

import time

from assistant.export import ExportFolder, to_markdown

from .test_present import answer


def test_markdown_has_question_answer_tools_and_sources() -> None:
    md = to_markdown(answer("de", search_query="Hitzewarnungen Pflegeheime",
                            chips=("hazards:heat",)))
    assert md.startswith("# Frage\n\n> Wo bekommen wir Hitzewarnungen für Pflegeheime?")
    assert "_Gesucht nach: Hitzewarnungen Pflegeheime_" in md
    assert "## Antwort" in md and "## Empfohlene Werkzeuge" in md and "## Quellen" in md
    assert "1. **[DWD heat warning system (hitzewarnungen.de, newsletter)]" in md
    assert "](<https://www.hitzewarnungen.de/>)**" in md
    assert "Gefahren: Hitze" in md and "Hitze-Leitfaden, S. 2" in md
    assert "\\[1\\] Hitze-Leitfaden, S. 2" in md
    assert "<script>" not in md and "\\<script\\>" in md


def test_english_export_without_tools() -> None:
    from assistant.answer import Answer

    md = to_markdown(Answer(query="q [x](javascript:alert(1))", text="none", tools=(),
                            passages=(), language="en"))
    assert "# Question" in md and "No tools to show." in md and "No passages to show." in md
    assert "\\[x\\](javascript" in md


def test_export_folder_keeps_recent_files_and_removes_old_ones() -> None:
    kept = ExportFolder()
    first, second = kept.write(answer()), kept.write(answer())
    assert first != second and first.exists() and second.exists()
    assert "# " in first.read_text("utf-8")

    brief = ExportFolder(keep_seconds=0.0)
    old = brief.write(answer())
    time.sleep(0.02)
    new = brief.write(answer())
    assert not old.exists() and new.exists()
