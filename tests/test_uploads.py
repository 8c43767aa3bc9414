"""Hostile uploads: names that climb out of the data dir, content that lies about its type,
oversized files, and decompression bombs (a .docx is a zip; PDF streams are compressed) are
refused within bounded time and memory, and the good files beside them are indexed."""

from __future__ import annotations

import re
import struct
import time
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import pytest

from assistant.service import Assistant
from assistant.web.editor import ingest_uploads
from ingest.core.errors import FileProblem
from ingest.parse.dispatch import parse_document
from ingest.parse.uploads import check_upload, safe_name

from .conftest import write_pdf

pytestmark = pytest.mark.integration

GOOD_MD = b"# Heat note\nShade and water in hot summers help older people.\n"


@pytest.mark.parametrize(("name", "kept"), [
    ("report.pdf", "report.pdf"),
    ("../../etc/cron.d/evil.md", "evil.md"),
    ("..\\..\\windows\\evil.md", "evil.md"),
    ("/abs/path/evil.MD", "evil.md"),
    ("<img src=x onerror=alert(1)>.md", "img src-x onerror-alert(1).md"),
    ("Hitze\u200b-Leitfaden\x00\n2024.pdf", "Hitze-Leitfaden2024.pdf"),
    ("  ..hidden.md", "hidden.md"),
    ("Ｆｕｌｌｗｉｄｔｈ.txt", "Fullwidth.txt"),
    ("a" * 500 + ".yaml", "a" * 115 + ".yaml"),
])
def test_names_are_reduced_to_plain_file_names(name: str, kept: str) -> None:
    assert safe_name(name) == kept


@pytest.mark.parametrize("name", ["..", ".md", "../", "evil.exe", "evil.md.sh", "noext",
                                  "\x00", "<script>", ". .pdf"])
def test_names_without_a_usable_stem_or_type_are_refused(name: str) -> None:
    with pytest.raises(FileProblem, match="file name refused"):
        safe_name(name)


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(("name", "data", "problem"), [
    ("report.pdf", b"MZ\x90\x00" + b"\x00" * 64, "content is a Windows program"),
    ("notes.md", b"%PDF-1.4\n%...", "content is a PDF, not what the extension .md says"),
    ("tools.yaml", b"\x7fELF\x02\x01", "content is a Linux program"),
    ("report.docx", b"<html>not a package</html>", "content is text"),
    ("page.html", b"\x89PNG\r\n\x1a\n", "content is a PNG image"),
    ("old.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "content is an old Office file"),
    ("data.csv", b"id,name\x00\x00\x01", "content is binary data"),
])
def test_content_must_match_the_extension(tmp_path: Path, name: str, data: bytes,
                                          problem: str) -> None:
    path = _write(tmp_path / "upload", data)
    with pytest.raises(FileProblem, match=problem):
        check_upload(path, name, 10_000_000)


def test_size_is_checked_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.pdf"
    with path.open("wb") as handle:
        handle.truncate(60_000_000)  # sparse
    with pytest.raises(FileProblem, match=r"60.0 MB, over the limit of 50 MB"):
        check_upload(path, "huge.pdf", 50_000_000)


# -- decompression bombs ---------------------------------------------------------------------

def zip_bomb(path: Path, unpacked: int, declare: int | None = None) -> Path:
    """A .docx-shaped zip whose document.xml unpacks to `unpacked` bytes; `declare` makes its
    headers claim that size instead (a lying bomb)."""
    import docx

    path.parent.mkdir(parents=True, exist_ok=True)
    real = path.with_suffix(".real")
    docx.Document().save(str(real))
    with zipfile.ZipFile(real) as source, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for info in source.infolist():  # a real package, but its document.xml is the bomb
            if info.filename != "word/document.xml":
                archive.writestr(info, source.read(info))
        with archive.open("word/document.xml", "w", force_zip64=False) as entry:
            block = b" " * (1 << 20)
            for _ in range(unpacked >> 20):
                entry.write(block)
    real.unlink()
    if declare is not None:
        data = bytearray(path.read_bytes())
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("word/document.xml")
        struct.pack_into("<I", data, info.header_offset + 22, declare)  # local header
        central = data.rfind(b"PK\x01\x02")  # the bomb's entry is the last one
        struct.pack_into("<I", data, central + 24, declare)  # central directory
        path.write_bytes(bytes(data))
    return path


def pdf_bomb(path: Path, unpacked: int) -> Path:
    """A one-page PDF whose content stream inflates to `unpacked` bytes of text operators."""
    line = b"BT /F1 12 Tf 72 712 Td (boom) Tj ET\n"
    block = line * ((1 << 20) // len(line))
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(block) for _ in range(unpacked // len(block)))
    data += packer.flush()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data
               + b"\nendstream", b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return _write(path, bytes(out))


def _bounded(read, *args) -> tuple[str, float, float]:  # type: ignore[no-untyped-def]
    """Run a reader expected to refuse; the message, seconds taken and peak MB allocated."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(FileProblem) as refused:
            document = read(*args)
            for page in document.pages:  # a lazy reader refuses while pages are read
                assert page.text is not None
    finally:
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
    return refused.value.problem, seconds, peak


@pytest.mark.parametrize(("unpacked", "declare", "problem"), [
    (300 << 20, None, r"unpacks to 315 MB \(over 200 MB\); refused as a possible zip bomb"),
    (40 << 20, None, r"part 'word/document.xml' expands \d+:1; refused as a possible zip bomb"),
    (40 << 20, 2000, "not a readable Word file .*CRC"),  # headers lie: zipfile stops there
])
def test_docx_zip_bombs_are_refused_quickly_with_little_memory(
        tmp_path: Path, unpacked: int, declare: int | None, problem: str) -> None:
    bomb = zip_bomb(tmp_path / "bomb.docx", unpacked, declare)
    assert bomb.stat().st_size < 2_000_000
    message, seconds, peak_mb = _bounded(parse_document, bomb)
    assert re.search(problem, message), message
    assert seconds < 5 and peak_mb < 50, (seconds, peak_mb)


def test_pdf_decompression_bomb_is_refused_quickly_with_little_memory(tmp_path: Path) -> None:
    bomb = pdf_bomb(tmp_path / "bomb.pdf", 300 << 20)  # 300 MB of text operators
    assert bomb.stat().st_size < 5_000_000
    message, seconds, peak_mb = _bounded(parse_document, bomb)
    assert "decompression bomb?" in message and "page 1" in message
    assert seconds < 10 and peak_mb < 300, (seconds, peak_mb)


def test_uploads_land_under_the_data_dir_with_safe_names_and_bad_ones_are_refused(
        settings, embedder, tmp_path: Path) -> None:
    incoming = tmp_path / "incoming"
    uploads = [
        _write(incoming / "1" / "..\\..\\evil.md", GOOD_MD),
        _write(incoming / "2" / "<img src=x onerror=alert(1)>.md", GOOD_MD.replace(b"Heat",
                                                                                  b"Shade")),
        _write(incoming / "3" / "fake.pdf", b"MZ\x90\x00 program"),
        _write(incoming / "4" / ".htaccess", b"Deny from all"),
        zip_bomb(incoming / "5" / "bomb.docx", 300 << 20),
        pdf_bomb(incoming / "6" / "bomb.pdf", 100 << 20),
        write_pdf(incoming / "7" / "guide.pdf", ["Heat action plans protect older people."]),
    ]
    report = ingest_uploads(Assistant(settings, embedder=embedder), [str(u) for u in uploads])
    outcome = {Path(r.path).name: (r.status, r.detail) for r in report.results}
    assert {n for n, (s, _) in outcome.items() if s == "indexed"} == {
        "evil.md", "img src-x onerror-alert(1).md", "guide.pdf"}
    assert "content is a Windows program" in outcome["fake.pdf"][1]
    assert "file name refused" in outcome[".htaccess"][1]
    assert "zip bomb" in outcome["bomb.docx"][1]
    assert "decompression bomb?" in outcome["bomb.pdf"][1]
    data = settings.data_dir.resolve()
    written = {p.relative_to(data).as_posix() for p in data.rglob("*") if p.is_file()
               and "chroma" not in p.parts}
    assert {w for w in written if w.startswith("uploads/")} == {
        "uploads/evil.md", "uploads/img src-x onerror-alert(1).md", "uploads/guide.pdf",
        "uploads/bomb.pdf"}  # the bomb passed the type check; its reader refused it
    assert not (tmp_path / "evil.md").exists() and not list(tmp_path.glob("*.md"))


def test_the_app_refuses_an_upload_over_the_size_limit_over_http(app_module, settings,  # noqa: F811
                                                                  embedder) -> None:
    import dataclasses

    import httpx

    from .app_server import free_port as _free_port

    small = dataclasses.replace(settings, max_file_mb=1)
    blocks = app_module.build_app(Assistant(small, embedder=embedder))
    port = _free_port()
    blocks.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True,
                  quiet=True, footer_links=[], **app_module.launch_options(small))
    try:
        url = f"http://127.0.0.1:{port}/gradio_api/upload"
        big = httpx.post(url, files={"files": ("big.md", b"a" * 1_500_000)})
        assert big.status_code == 413, big.text
        fine = httpx.post(url, files={"files": ("fine.md", b"# Fine\nShade.\n")})
        assert fine.status_code == 200
    finally:
        blocks.close()


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def test_anonymous_uploads_are_capped_per_request_and_in_all_and_cleaned_up(
        app_module, settings, embedder) -> None:  # noqa: F811
    """Without editors the one upload is a BEIR zip: a request with more is refused, and many
    small uploads stop at TOOLBOX_UPLOAD_SPACE_MB (each charged what a file costs on disk) until
    the old ones are deleted an hour later; they land under the data dir."""
    import dataclasses

    import httpx
    from starlette.middleware import Middleware

    from assistant.web.upload_space import UploadSpace

    from .app_server import free_port as _free_port

    small = dataclasses.replace(settings, max_file_mb=1, upload_space_mb=1)
    blocks = app_module.build_app(Assistant(small, embedder=embedder))
    options = app_module.launch_options(small)
    clock = Clock()
    space = options["app_kwargs"]["middleware"][0]
    options["app_kwargs"]["middleware"] = [Middleware(UploadSpace, **{**space.kwargs,
                                                                      "clock": clock})]
    port = _free_port()
    blocks.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True,
                  quiet=True, footer_links=[], **options)
    url = f"http://127.0.0.1:{port}/gradio_api/upload"
    try:
        two = httpx.post(url, files=[("files", ("a.zip", b"a" * 600_000)),
                                     ("files", ("b.zip", b"b" * 600_000))])
        assert two.status_code == 413 and "per request" in two.text
        codes = [httpx.post(url, files={"files": (f"{n}.zip", b"%d" % n)}).status_code
                 for n in range(200)]
        accepted = codes.index(507)
        assert 50 < accepted < 125 and set(codes[accepted:]) == {507}, codes
        cache = small.upload_cache
        stored = [p for p in cache.rglob("*.zip") if p.is_file()]
        assert len(stored) == accepted and cache.is_relative_to(small.data_dir.resolve())
        clock.now += 3600 + 61  # an hour on: the next upload sweeps the old ones away
        assert httpx.post(url, files={"files": ("new.zip", b"new")}).status_code == 200
        assert [p.name for p in cache.rglob("*.zip") if p.is_file()] == ["new.zip"]
    finally:
        blocks.close()
