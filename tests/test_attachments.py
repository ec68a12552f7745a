"""Attachments: images re-encoded from their pixels only, within budgets of decoded bytes."""

from __future__ import annotations

import io
import threading
import time
import zlib
from typing import Any

import pytest
from PIL import Image, ImageFile

from hotline import attachments


def picture(fmt: str, mode: str, **options: Any) -> bytes:
    """Return a 40x30 image with a gradient, so that a lost palette or a shifted row would show."""
    out = io.BytesIO()
    Image.linear_gradient("L").resize((40, 30)).convert(mode).save(out, format=fmt, **options)
    return out.getvalue()


@pytest.mark.parametrize(
    "fmt, mode, options, per_pixel",
    [
        ("PNG", "RGBA", {}, 8),  # Pillow keeps 4 bytes a pixel; the opened image and its clean copy
        ("PNG", "P", {}, 2),
        ("JPEG", "L", {}, 2),
        ("JPEG", "CMYK", {}, 8),  # the clean copy is RGB: JPEG holds no CMYK here
        ("JPEG", "RGB", {"progressive": True}, 10),  # libjpeg keeps 2 bytes a sample while decoding
        ("WEBP", "RGB", {}, 22),  # libwebp: two canvases while decoding, its own buffers while encoding
    ],
)
def test_what_an_image_costs_is_read_from_its_header_alone(
    monkeypatch: pytest.MonkeyPatch, fmt: str, mode: str, options: dict[str, Any], per_pixel: int
) -> None:
    data = picture(fmt, mode, **options)
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda _image: pytest.fail("the pixels were decoded"))
    size = attachments.measure_image(data)
    assert (size.format, size.width, size.height) == (fmt, 40, 30)
    assert size.cost == 40 * 30 * per_pixel


@pytest.mark.parametrize("fmt, mode", [("PNG", "RGBA"), ("PNG", "P"), ("PNG", "L"), ("GIF", "P")])
def test_a_cleaned_image_keeps_every_pixel(fmt: str, mode: str) -> None:
    original = picture(fmt, mode)
    cleaned, kind = attachments.strip_image(original, 1 << 20)
    assert kind == attachments.IMAGE_FORMATS[fmt]
    with Image.open(io.BytesIO(original)) as before, Image.open(io.BytesIO(cleaned)) as after:
        assert after.mode == before.mode
        assert after.convert("RGBA").tobytes() == before.convert("RGBA").tobytes()


def test_a_turned_photo_is_stood_upright_and_loses_its_exif() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: turn a quarter clockwise to view
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, format="JPEG", exif=exif)
    cleaned, _kind = attachments.strip_image(out.getvalue(), 1 << 20)
    with Image.open(io.BytesIO(cleaned)) as image:
        assert image.size == (30, 40)
        assert not image.getexif()


def test_an_image_above_its_cost_is_refused_undecoded(monkeypatch: pytest.MonkeyPatch) -> None:
    data = picture("PNG", "RGBA")
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda _image: pytest.fail("the pixels were decoded"))
    with pytest.raises(attachments.AttachmentError, match="te groot"):
        attachments.strip_image(data, 40 * 30 * 8 - 1)


def test_threads_share_one_decode_budget() -> None:
    gate = attachments.DecodeGate(capacity=100, wait_seconds=0)
    entered, leave = threading.Event(), threading.Event()

    def decode_elsewhere() -> None:
        with gate.hold(80):
            entered.set()
            leave.wait()

    other = threading.Thread(target=decode_elsewhere)
    other.start()
    entered.wait()
    with pytest.raises(attachments.ImagesBusy), gate.hold(40):
        pytest.fail("two images took more than the process's budget")
    with gate.hold(20):  # what still fits beside the other thread's image goes ahead
        assert gate.in_use == 100
    leave.set()
    other.join()
    assert gate.in_use == 0


def test_a_waiting_image_gets_its_turn_when_another_is_done() -> None:
    gate = attachments.DecodeGate(capacity=100, wait_seconds=600)
    seen: list[int] = []

    def decode_next() -> None:
        with gate.hold(40):
            seen.append(gate.in_use)

    with gate.hold(80):
        waiter = threading.Thread(target=decode_next)
        waiter.start()
        for _ in range(10_000):  # until it waits for room (no timing is asserted)
            if gate.waiting:
                break
            time.sleep(0.001)
        assert gate.waiting == 1 and not seen
    waiter.join()
    assert seen == [40]  # it went ahead only once the first image's bytes were given back
    assert gate.in_use == 0


def test_a_png_whose_header_is_cut_short_is_refused_not_a_crash() -> None:
    """Pillow 13 answers a PNG whose IHDR chunk is empty with ValueError, not OSError: still a plain refusal."""
    ihdr = (0).to_bytes(4, "big") + b"IHDR" + zlib.crc32(b"IHDR").to_bytes(4, "big")
    with pytest.raises(attachments.AttachmentError, match="beschadigd"):
        attachments.strip_image(b"\x89PNG\r\n\x1a\n" + ihdr + bytes(20), 1 << 20)
    with pytest.raises(attachments.AttachmentError, match="beschadigd"):
        attachments.measure_image(b"\x89PNG\r\n\x1a\n" + ihdr + bytes(20))
