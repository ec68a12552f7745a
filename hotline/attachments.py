"""Attachments: read into memory, images re-encoded without metadata, before sealing."""

from __future__ import annotations

import io
import json
import warnings
from dataclasses import dataclass
from pathlib import PurePath

from werkzeug.datastructures import FileStorage

from hotline.i18n import gettext as _

IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".gif", ".heic", ".tif", ".tiff"}
MAX_PIXELS = 40_000_000


class AttachmentError(ValueError):
    """An attachment cannot be accepted; the message is for the student."""


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


def strip_image(data: bytes) -> tuple[bytes, str]:
    """Re-encode an image from its pixels only: no EXIF, GPS, ICC or text chunks."""
    # Imported on the first image, not at start: most workers never see one, and Pillow costs each 2 MB.
    from PIL import Image, ImageOps, UnidentifiedImageError

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as image:
                fmt = image.format or ""
                if fmt not in IMAGE_FORMATS or image.width * image.height > MAX_PIXELS:
                    raise AttachmentError(_("Deze afbeelding kunnen we niet veilig opschonen. Stuur een JPEG of PNG."))
                upright = ImageOps.exif_transpose(image)
                clean = Image.frombytes(upright.mode, upright.size, upright.tobytes())
                if upright.mode == "P" and (palette := upright.getpalette()):
                    clean.putpalette(palette)
        except (UnidentifiedImageError, OSError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise AttachmentError(_("Deze afbeelding is beschadigd of te groot om op te schonen.")) from exc
    out = io.BytesIO()
    if fmt == "JPEG" and clean.mode not in ("RGB", "L"):
        clean = clean.convert("RGB")
    clean.save(out, format=fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return out.getvalue(), IMAGE_FORMATS[fmt]


def clean_attachment(upload: FileStorage, max_bytes: int) -> Attachment:
    """Read one upload into memory, check its size and strip image metadata."""
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
    content_type = upload.mimetype or "application/octet-stream"
    if content_type.startswith("image/") or PurePath(name).suffix.lower() in IMAGE_SUFFIXES:
        data, content_type = strip_image(data)
    return Attachment(name, content_type, data)
