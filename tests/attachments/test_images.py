"""Photos are stored without their metadata (EXIF with the GPS position, PNG text chunks),
the right way up, and decompression bombs are refused."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.attachments import files


def _stored(uploads_dir, attachment) -> Image.Image:
    return Image.open(io.BytesIO((uploads_dir / attachment.storage_key).read_bytes()))


def _add(author, experience, data, title="Photo"):
    from kb.attachments.operations import Upload, add_attachment
    from kb.db import commit

    attachment = add_attachment(experience, author, Upload(data=data, title=title,
                                                           alt_text="Une photo"))
    commit()
    return attachment


def test_gps_exif_is_stripped_from_a_jpeg(db_session, author_and_experience, uploads_dir):
    original = files.jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get(files.GPS_TAG)  # the test file has it
    author, experience = author_and_experience()
    attachment = _add(author, experience, original)
    stored = _stored(uploads_dir, attachment)
    assert stored.format == "JPEG"
    assert dict(stored.getexif()) == {}
    assert b"TestCam" not in (uploads_dir / attachment.storage_key).read_bytes()
    assert attachment.sha256 != __import__("hashlib").sha256(original).hexdigest()


def test_orientation_is_applied_before_the_metadata_goes(db_session, author_and_experience,
                                                         uploads_dir):
    author, experience = author_and_experience()
    attachment = _add(author, experience, files.jpeg_with_gps((60, 20), orientation=6))
    assert _stored(uploads_dir, attachment).size == (20, 60)  # rotated a quarter turn


def test_webp_and_png_metadata_is_stripped(db_session, author_and_experience, uploads_dir):
    author, experience = author_and_experience()
    webp = _add(author, experience, files.webp_with_exif(), "WebP")
    assert dict(_stored(uploads_dir, webp).getexif()) == {}
    png = _add(author, experience, files.png(text_chunk="lieu secret"), "PNG")
    assert b"lieu secret" not in (uploads_dir / png.storage_key).read_bytes()
    assert _stored(uploads_dir, png).info.get("Comment") is None


def test_a_decompression_bomb_is_refused(db_session, author_and_experience, monkeypatch):
    from kb.attachments import images
    from kb.experiences.operations import ExperienceInvalid

    monkeypatch.setattr(images, "MAX_PIXELS", 10_000)
    author, experience = author_and_experience()
    with pytest.raises(ExperienceInvalid) as refused:
        _add(author, experience, files.png((200, 200)))
    assert "trop grande" in refused.value.errors["file"]
