"""One long-lived app instance in its own process, driven by JSON lines on stdin.

`{"ask": QUESTION}` prints the `ask --json` object; `{"ingest": [PATH, ...]}` prints the
report's counts. Settings come from the environment, as for the real app. Used by
tests/test_server_mode.py to run several instances against one Chroma server.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ingest.core.settings import Settings, configure_offline

configure_offline()

from assistant.cli.main import answer_json  # noqa: E402
from assistant.service import Assistant  # noqa: E402


def main() -> None:
    assistant = Assistant(Settings.from_env())
    print(json.dumps({"ready": assistant.store.count()}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        if "ask" in command:
            reply = answer_json(assistant.ask(command["ask"]))
        else:
            report = assistant.ingest([Path(p) for p in command["ingest"]])
            reply = {"indexed": len(report.results) - len(report.failed),
                     "failed": len(report.failed)}
        print(json.dumps(reply, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
