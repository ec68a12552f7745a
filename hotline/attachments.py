"""Attachments: read into memory, images re-encoded without metadata, before sealing."""

from __future__ import annotations

import io
import json
import threading
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from werkzeug.datastructures import FileStorage

from hotline.i18n import gettext as _

if TYPE_CHECKING:
    from PIL import Image

IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".gif", ".heic", ".tif", ".tiff"}


class AttachmentError(ValueError):
    """An attachment cannot be accepted; the message is for the student."""


class ImagesBusy(AttachmentError):
    """Other reports' images fill this process's decoding budget: nothing is wrong with the upload."""


class DecodeGate:
    """Count the bytes that images being re-encoded hold in one process, across its threads.

    Like the large-body gate (security.py), but by decoded size, not body size: an 850 KB PNG can
    decode to 160 MB, and four threads that each re-encode the largest image allowed would hold
    four times that. A thread waits at most wait_seconds for room, then its image is refused.
    """

    def __init__(self, capacity: int, wait_seconds: float) -> None:
        self.capacity = capacity
        self.wait_seconds = wait_seconds
        self.in_use = 0
        self.waiting = 0  # threads waiting for room
        self._changed = threading.Condition()

    @contextmanager
    def hold(self, nbytes: int) -> Iterator[None]:
        """Hold nbytes of the budget for the duration, once they fit beside what other threads hold."""
        with self._changed:
            self.waiting += 1
            try:
                fits = self._changed.wait_for(lambda: self.in_use + nbytes <= self.capacity, self.wait_seconds)
            finally:
                self.waiting -= 1
            if not fits:
                raise ImagesBusy(
                    _(
                        "Er worden nu veel afbeeldingen verwerkt, dus je melding is nog niet verstuurd. Je tekst staat hieronder nog; kies je bijlagen opnieuw en probeer het over een minuut nog eens."  # noqa: E501
                    )
                )
            self.in_use += nbytes
        try:
            yield
        finally:
            with self._changed:
                self.in_use -= nbytes
                self._changed.notify_all()


@dataclass(frozen=True)
class ImageBudget:
    """The decoded bytes re-encoding may take: for one image, for all images of one request, and per process."""

    per_image: int
    per_request: int
    gate: DecodeGate


def image_budget(settings: Mapping[str, Any]) -> ImageBudget:
    """Return the image budget of the settings, with a new gate for this process."""
    gate = DecodeGate(settings["IMAGE_BYTES_AT_ONCE"], settings["IMAGE_WAIT_SECONDS"])
    return ImageBudget(settings["IMAGE_BYTES"], settings["IMAGE_BYTES_PER_REQUEST"], gate)


@dataclass(frozen=True)
class ImageSize:
    """What an image's header says, read without decoding its pixels."""

    format: str
    width: int
    height: int
    cost: int  # the bytes that decoding and re-encoding it hold at once, at their peak


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str
    data: bytes

    def payload(self) -> list[bytes]:
        """Return the sealed form in parts, sealed as one: a JSON line with name and type, then the bytes."""
        meta = json.dumps({"name": self.name, "type": self.content_type}).encode("utf-8")
        return [meta + b"\n", self.data]  # never joined: that would copy the file once more


def parse_payload(payload: bytes) -> Attachment:
    """Split a sealed attachment payload back into its parts."""
    meta, _sep, data = payload.partition(b"\n")
    info = json.loads(meta)
    return Attachment(str(info["name"]), str(info["type"]), data)


def safe_name(filename: str) -> str:
    """Keep only the last part of a file name, without control characters."""
    name = PurePath(filename.replace("\\", "/")).name
    return "".join(c for c in name if c.isprintable()).lstrip(".")[:120] or "bijlage"


def _bytes_per_pixel(mode: str) -> int:
    """Return what Pillow keeps in memory per pixel of a mode (libImaging/Storage.c): RGB takes four, not three."""
    if mode in ("1", "L", "P"):
        return 1
    return 2 if mode.startswith("I;16") else 4


def _cost(image: Image.Image) -> int:
    """Return the bytes decoding and re-encoding an opened image hold at their peak, from its header."""
    pixels = image.width * image.height
    decoded = pixels * _bytes_per_pixel(image.mode)
    clean = pixels * _bytes_per_pixel(_clean_mode(image))  # the copy strip_image makes from the pixels
    # Beside the image while it is decoded: libjpeg keeps every DCT coefficient of a progressive JPEG (two
    # bytes a sample); libwebp keeps two RGBA canvases until the image is let go of, and Pillow takes the
    # frame from it as RGBA bytes. Beside the clean copy alone while it is encoded: libwebp's working buffers,
    # up to 18 bytes a pixel (measured on noise); the JPEG, PNG and GIF encoders stream.
    during_decode = during_encode = 0
    if image.format == "JPEG" and image.info.get("progressive"):
        during_decode = pixels * len(image.getbands()) * 2
    elif image.format == "WEBP":
        during_decode, during_encode = pixels * 12, pixels * 18
    return max(decoded + max(during_decode, clean), clean + during_encode)


def _clean_mode(image: Image.Image) -> str:
    """Return the mode the re-encoded image gets: JPEG holds only RGB or grey."""
    return "RGB" if image.format == "JPEG" and image.mode not in ("RGB", "L") else image.mode


@contextmanager
def _opened(data: bytes) -> Iterator[Image.Image]:
    """Open an image, reading its header only; refuse what Pillow cannot read or calls a decompression bomb."""
    # Imported on the first image, not at start: most workers never see one, and Pillow costs each 2 MB.
    from PIL import Image, UnidentifiedImageError

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as image:
                if (image.format or "") not in IMAGE_FORMATS:
                    raise AttachmentError(_("Deze afbeelding kunnen we niet veilig opschonen. Stuur een JPEG of PNG."))
                yield image
        # Pillow 13 refuses some damaged headers (a truncated PNG IHDR) with ValueError, older ones with SyntaxError.
        except (
            UnidentifiedImageError,
            OSError,
            ValueError,
            SyntaxError,
            Image.DecompressionBombError,
            Image.DecompressionBombWarning,
        ) as exc:
            raise AttachmentError(_("Deze afbeelding is beschadigd of te groot om op te schonen.")) from exc


def measure_image(data: bytes) -> ImageSize:
    """Read an image's format and size from its header, and what re-encoding it would cost, decoding nothing."""
    with _opened(data) as image:
        return ImageSize(image.format or "", image.width, image.height, _cost(image))


def _pixels_only(data: bytes, max_cost: int) -> tuple[Image.Image, str]:
    """Decode an image into a fresh one that holds its pixels, upright, and nothing else of the file."""
    from PIL import Image, ImageOps

    with _opened(data) as opened:
        if _cost(opened) > max_cost:
            raise AttachmentError(_("Deze afbeelding is beschadigd of te groot om op te schonen."))
        fmt, mode = opened.format or "", _clean_mode(opened)
        try:
            opened.load()
            ImageOps.exif_transpose(opened, in_place=True)  # in place: no second copy beside the first
            pixels = opened.convert(mode) if opened.mode != mode else opened
            if pixels is not opened:
                opened.close()  # frees the decoded pixels: at most two copies are held at once, as _cost counts
            clean = Image.new(mode, pixels.size)
            clean.paste(pixels)
            if mode in ("P", "PA") and (palette := pixels.getpalette()):
                clean.putpalette(palette)
        except (OSError, ValueError, Image.DecompressionBombError) as exc:
            raise AttachmentError(_("Deze afbeelding is beschadigd of te groot om op te schonen.")) from exc
    return clean, fmt  # the opened image, and any decoder it keeps, are let go of before encoding


def strip_image(data: bytes, max_cost: int) -> tuple[bytes, str]:
    """Re-encode an image from its pixels only: no EXIF, GPS, ICC or text chunks; refuse one above max_cost."""
    clean, fmt = _pixels_only(data, max_cost)
    out = io.BytesIO()
    clean.save(out, format=fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return out.getvalue(), IMAGE_FORMATS[fmt]


def _is_image(name: str, content_type: str) -> bool:
    return content_type.startswith("image/") or PurePath(name).suffix.lower() in IMAGE_SUFFIXES


def read_upload(upload: FileStorage, max_bytes: int) -> Attachment:
    """Read one upload into memory and check its size."""
    name = safe_name(upload.filename or "")
    stream = upload.stream
    # The upload was parsed into memory (security.InMemoryRequest); getvalue() hands over that very
    # buffer rather than a copy, and closing the stream leaves this the only reference to it.
    data = stream.getvalue() if isinstance(stream, io.BytesIO) else stream.read(max_bytes + 1)
    stream.close()
    if len(data) > max_bytes:
        raise AttachmentError(_("%(name)s is groter dan %(mb)s MB.", name=name, mb=max_bytes // (1024 * 1024)))
    if not data:
        raise AttachmentError(_("%(name)s is leeg.", name=name))
    return Attachment(name, upload.mimetype or "application/octet-stream", data)


def _megapixels(pixels: float) -> str:
    return f"{pixels / 1_000_000:.0f}"


def _check_budget(files: list[Attachment], budget: ImageBudget) -> list[int | None]:
    """Return what re-encoding each file costs (None: no image); refuse, decoding nothing, what exceeds the budget."""
    costs: list[int | None] = []
    total = 0
    for file in files:
        if not _is_image(file.name, file.content_type):
            costs.append(None)
            continue
        try:
            size = measure_image(file.data)
        except AttachmentError as exc:
            raise AttachmentError(f"{file.name}: {exc}") from exc
        pixels = size.width * size.height
        if size.cost > budget.per_image:
            allowed = pixels * budget.per_image / size.cost
            raise AttachmentError(
                _(
                    "%(name)s is te groot om veilig op te schonen: %(mp)s megapixel, en hier kan hoogstens %(max)s. Verklein de afbeelding en probeer het opnieuw.",  # noqa: E501
                    name=file.name,
                    mp=_megapixels(pixels),
                    max=_megapixels(allowed),
                )
            )
        total += size.cost
        if total > budget.per_request:
            raise AttachmentError(
                _(
                    "De afbeeldingen zijn samen te groot om in één melding op te schonen (vanaf %(name)s). Stuur minder of kleinere afbeeldingen.",  # noqa: E501
                    name=file.name,
                )
            )
        costs.append(size.cost)
    return costs


def clean_attachments(uploads: list[FileStorage], max_bytes: int, budget: ImageBudget) -> list[Attachment]:
    """Read the uploads into memory, check their sizes and the image budget, then strip image metadata.

    Every image's decoded size is read from its header and checked first, so a refused request
    decodes nothing; each image then takes its share of the process's budget while it is re-encoded.
    """
    files = [read_upload(upload, max_bytes) for upload in uploads]
    for i, cost in enumerate(_check_budget(files, budget)):
        if cost is not None:
            with budget.gate.hold(cost):
                data, content_type = strip_image(files[i].data, cost)
            files[i] = Attachment(files[i].name, content_type, data)  # and the original is let go of
    return files
