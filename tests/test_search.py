"""One analysis per question: the answer's language is the one retrieval searched in."""

from __future__ import annotations

import pytest

from assistant.query.analysis import analyse
from ingest.core.language import detect_language

KEYWORDS = "hochwasser vorhersage europa"  # no function words, no umlauts


def test_keyword_questions_are_analysed_by_the_glossary() -> None:
    assert detect_language(KEYWORDS) == "en"  # why the function-word detector alone fails
    analysis = analyse(KEYWORDS)
    assert analysis.language == "de"
    assert analysis.expansion is not None and analysis.expansion.translations
    assert analyse(KEYWORDS, expansion=False).language == "en"


def test_chips_the_user_removed_stay_removed() -> None:
    question = "kostenlose Karten zu Hitze"
    assert "costs:free" in analyse(question).intent.chips()
    assert "costs:free" not in analyse(question, removed_chips=("costs:free",)).intent.chips()


@pytest.mark.parametrize("question, language", [(KEYWORDS, "de"),
                                                ("flood forecast europe", "en")])
def test_the_answer_is_in_the_language_retrieval_searched_in(shipped_assistant, question: str,
                                                            language: str) -> None:
    answer = shipped_assistant.ask(question)
    assert answer.language == language
    assert answer.tools, "a keyword question still finds tools"
