"""Compare two base64 images (PNG or JPEG) pixel by pixel.

Pillow and numpy are optional: without them the comparison still reports each
side's size (read from the PNG/JPEG header) and says why no pixel comparison was
made. Nothing here raises on bad image data; it reports it.
"""

from __future__ import annotations

import base64
import binascii
import io
import struct
from types import ModuleType
from typing import Any

__all__ = ["compare_images", "image_size", "decode_base64"]

#: Images with more pixels than this are compared by size only.
MAX_PIXELS = 16_000_000
#: A channel must differ by more than this (0-255) for a pixel to count as
#: changed, so JPEG re-encoding noise does not show as a change.
JPEG_TOLERANCE = 16


def decode_base64(value: str) -> bytes | None:
    try:
        return base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError, AttributeError):
        return None


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG or JPEG header, without decoding the image."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                return None
            marker = data[i + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                i += 2
                continue
            length = struct.unpack(">H", data[i + 2 : i + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                h, w = struct.unpack(">HH", data[i + 5 : i + 9])
                return w, h
            i += 2 + length
    return None


def _libs() -> tuple[ModuleType, ModuleType] | None:
    try:
        import numpy
        from PIL import Image
    except ImportError:
        return None
    return numpy, Image


def compare_images(a_b64: str, b_b64: str, mime: str) -> dict[str, Any]:
    """The ``image`` part of a changed image output (see docs/diff-format.md).

    Keys: ``a``/``b`` (``{"width", "height"}`` or null when unreadable),
    ``same_size``, and when both decode to the same size ``changed_pixels``,
    ``changed_share`` (0..1) and ``diff_png`` (base64 PNG: side a faded to grey
    with the changed pixels in red); ``note`` says why a step was skipped.
    """
    out: dict[str, Any] = {"a": None, "b": None, "same_size": False}
    raw_a, raw_b = decode_base64(a_b64), decode_base64(b_b64)
    size_a = image_size(raw_a) if raw_a else None
    size_b = image_size(raw_b) if raw_b else None
    if size_a:
        out["a"] = {"width": size_a[0], "height": size_a[1]}
    if size_b:
        out["b"] = {"width": size_b[0], "height": size_b[1]}
    if not (raw_a and raw_b):
        out["note"] = "image data is not valid base64"
        return out
    libs = _libs()
    if libs is None:
        out["same_size"] = bool(size_a and size_a == size_b)
        out["note"] = "install Pillow and numpy for a pixel comparison"
        return out
    numpy, Image = libs
    try:
        img_a = Image.open(io.BytesIO(raw_a))
        img_b = Image.open(io.BytesIO(raw_b))
        out["a"] = {"width": img_a.width, "height": img_a.height}
        out["b"] = {"width": img_b.width, "height": img_b.height}
        if img_a.size != img_b.size:
            out["note"] = "images differ in size"
            return out
        out["same_size"] = True
        if img_a.width * img_a.height > MAX_PIXELS:
            out["note"] = "image too large for a pixel comparison"
            return out
        arr_a = numpy.ascontiguousarray(img_a.convert("RGBA"), dtype=numpy.uint8)
        arr_b = numpy.ascontiguousarray(img_b.convert("RGBA"), dtype=numpy.uint8)
    except Exception:  # noqa: BLE001 - any undecodable image is reported, not raised
        out["note"] = "image could not be decoded"
        return out
    tolerance = JPEG_TOLERANCE if mime == "image/jpeg" else 0
    changed = _changed_pixels(numpy, arr_a, arr_b, tolerance)
    count = int(changed.sum())
    out["changed_pixels"] = count
    out["changed_share"] = count / changed.size if changed.size else 0.0
    out["diff_png"] = _diff_png(numpy, Image, arr_a, changed)
    return out


def _changed_pixels(numpy: ModuleType, arr_a: Any, arr_b: Any, tolerance: int) -> Any:
    """(height, width) bools: a pixel whose R, G, B or A differs by more than ``tolerance``.

    Channel by channel, not ``.any(axis=2)``: numpy reduces a 4-long last axis slowly
    (tens of ms on a figure, most of a small notebook's diff).
    """
    if tolerance == 0:  # the four bytes of an RGBA pixel as one uint32
        return arr_a.view(numpy.uint32)[:, :, 0] != arr_b.view(numpy.uint32)[:, :, 0]
    over = numpy.abs(arr_a.astype(numpy.int16) - arr_b) > tolerance
    return over[:, :, 0] | over[:, :, 1] | over[:, :, 2] | over[:, :, 3]


def _diff_png(numpy: ModuleType, Image: ModuleType, arr_a: Any, changed: Any) -> str:
    """Side a (uint8 RGBA) as faded grey over white, the changed pixels in red."""
    alpha = arr_a[:, :, 3].astype(numpy.float32) / 255.0
    total = arr_a[:, :, 0].astype(numpy.float32) + arr_a[:, :, 1] + arr_a[:, :, 2]
    grey = (total * alpha + 765.0 * (1.0 - alpha)) / 3.0  # the mean of R, G, B over white
    faded = (200.0 + grey * (55.0 / 255.0)).astype(numpy.uint8)
    out = numpy.empty(faded.shape + (3,), numpy.uint8)
    out[:, :, 0] = out[:, :, 1] = out[:, :, 2] = faded
    out[changed] = (220, 20, 60)
    buf = io.BytesIO()
    Image.fromarray(out, "RGB").save(buf, format="PNG", compress_level=1)
    return base64.b64encode(buf.getvalue()).decode("ascii")
