"""Small generated image folders and archives for the import tests, hostile ones included."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

from PIL import Image, ImageDraw

SHAPES = ("circle", "cross", "square")


def shape_image(shape: str, index: int, *, size: tuple[int, int] = (64, 48)) -> Image.Image:
    """Dark ink on white, like a drawing on paper: an outline shape whose place and size vary with `index`."""
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    x, y, side = 6 + index % 7, 4 + index % 5, 24 + index % 9
    if shape == "circle":
        draw.ellipse((x, y, x + side, y + side), outline="black", width=4)
    elif shape == "square":
        draw.rectangle((x, y, x + side, y + side), outline="black", width=4)
    else:
        draw.line((x, y, x + side, y + side), fill="black", width=4)
        draw.line((x + side, y, x, y + side), fill="black", width=4)
    return image


def encode(image: Image.Image, fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def shape_files(per_class: int = 12) -> dict[str, bytes]:
    """Relative path -> bytes: SHAPES class folders, PNG and JPEG mixed."""
    files = {}
    for shape in SHAPES:
        for i in range(per_class):
            fmt = "PNG" if i % 3 else "JPEG"
            files[f"{shape}/{i:03d}.{fmt.lower()}"] = encode(shape_image(shape, i), fmt)
    return files


def write_folder(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def zip_bytes(files: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


def with_entry(files: dict[str, bytes], name: str, data: bytes = b"x") -> bytes:
    """A zip of `files` plus one raw entry, written by name as given (zipfile would keep '../x' as is)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for existing, content in files.items():
            archive.writestr(existing, content)
        archive.writestr(zipfile.ZipInfo(name), data)
    return out.getvalue()


def symlink_zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
        link = zipfile.ZipInfo("circle/link.png")
        link.external_attr = (0o120777 << 16) | 0x20  # S_IFLNK: a symbolic link to /etc/passwd
        archive.writestr(link, "/etc/passwd")
    return out.getvalue()


def bomb_png(width: int = 50_000, height: int = 50_000) -> bytes:
    """A valid tiny PNG whose header claims width x height pixels: a decompression bomb if decoded."""
    data = bytearray(encode(Image.new("L", (8, 8))))
    ihdr = 8  # after the signature: length (4), b"IHDR" (4), then width and height
    data[ihdr + 8 : ihdr + 16] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[ihdr + 4 : ihdr + 8 + 13]))
    data[ihdr + 8 + 13 : ihdr + 8 + 17] = struct.pack(">I", crc)
    return bytes(data)
