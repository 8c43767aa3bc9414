"""The read side: question -> analysis -> retrieval -> tool ranking -> answer -> presentation.

Sub-packages in data-flow order: `query` (a question -> its analysis), `retrieval` (hybrid
search, fusion, tool ranking), `answer` (cited text, evidence, labels), `web` (what the app
shows, without gradio), `evaluation` (benchmarks and feedback), `cli`. `service` is the one
object the app and the CLI ask."""
