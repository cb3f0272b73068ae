"""core.files.check_upload, the shared gate for uploaded documents."""

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.errors import ValidationFailed
from core.files import CHUNK_SIZE, check_upload


def test_returns_sha256_of_content_streamed_over_several_chunks():
    content = b"0123456789" * (CHUNK_SIZE // 5)  # two chunks and a bit
    upload = SimpleUploadedFile("Scan.PDF", content)

    assert check_upload(upload) == hashlib.sha256(content).hexdigest()
    assert upload.read(4) == b"0123"  # rewound for whoever saves it


def test_plain_file_objects_are_read_in_chunks():
    handle = io.BytesIO(b"abc")
    handle.name = "note.txt"

    assert check_upload(handle) == hashlib.sha256(b"abc").hexdigest()


def test_limit_applies_even_when_the_declared_size_is_missing(settings):
    settings.ATTACHMENT_MAX_BYTES = 5
    handle = io.BytesIO(b"123456")
    handle.name = "note.txt"

    with pytest.raises(ValidationFailed) as exc:
        check_upload(handle)

    assert exc.value.fields == {
        "file": ["The file is too large (6\xa0bytes); the limit is 5\xa0bytes."]
    }


def test_file_exactly_at_the_limit_is_accepted(settings):
    settings.ATTACHMENT_MAX_BYTES = 5

    assert (
        check_upload(SimpleUploadedFile("a.txt", b"12345")) == hashlib.sha256(b"12345").hexdigest()
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "virus.exe",
            b"MZ",
            "Files of type “.exe” are not accepted. Accepted types: "
            "doc, docx, jpeg, jpg, pdf, png, txt, xls, xlsx, zip.",
        ),
        (
            "README",
            b"x",
            "The file has no extension. Accepted types: "
            "doc, docx, jpeg, jpg, pdf, png, txt, xls, xlsx, zip.",
        ),
        ("empty.pdf", b"", "The file is empty."),
    ],
)
def test_refusals_name_the_field(name, content, message):
    with pytest.raises(ValidationFailed) as exc:
        check_upload(SimpleUploadedFile(name, content), field="attachments.0.file")

    assert exc.value.fields == {"attachments.0.file": [message]}
