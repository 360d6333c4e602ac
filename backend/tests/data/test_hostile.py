"""Hostile or unusable archives: each refused with a message that names the problem, and nothing stored."""

import io
import os
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from aevp.data import ImportLimits, ImportRefused, dataset_names, import_dataset

from .images import bomb_png, encode, shape_files, shape_image, symlink_zip, with_entry, write_folder, zip_bytes

GOOD = shape_files(3)


def big_zeros_zip() -> bytes:
    """A 64 MiB member of zeros, deflated to about 64 kB: a zip bomb by ratio."""
    return zip_bytes({**GOOD, "circle/bomb.png": bytes(64 << 20)})


def encrypted_zip() -> bytes:
    data = bytearray(zip_bytes(GOOD, compression=zipfile.ZIP_STORED))
    # Set the "encrypted" flag bit on every central-directory record (signature PK\1\2, flags at offset 8).
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        data[at + 8] |= 0x1
        at = data.find(b"PK\x01\x02", at + 4)
    return bytes(data)


def case(name: str, archive: Callable[[], bytes], message: str, too_large: bool = False, **limits: int) -> object:
    return pytest.param(archive, ImportLimits(**limits), message, too_large, id=name)


def image(size: tuple[int, int]) -> bytes:
    return encode(shape_image("circle", 0, size=size))


CASES = [
    case("traversal", lambda: with_entry(GOOD, "../evil.png"), "unsafe path in the archive: '../evil.png'"),
    case("deep traversal", lambda: with_entry(GOOD, "circle/../../x.png"), "unsafe path"),
    case("absolute", lambda: with_entry(GOOD, "/etc/x.png"), "unsafe path in the archive: '/etc/x.png'"),
    case("backslash", lambda: with_entry(GOOD, "circle\\..\\..\\x.png"), "unsafe path"),
    case("drive", lambda: with_entry(GOOD, "C:/x.png"), "unsafe path"),
    case("symlink", lambda: symlink_zip(GOOD), "circle/link.png is a symbolic link"),
    case("zip bomb (ratio)", big_zeros_zip, "refused as a zip bomb", True),
    case("zip bomb (total)", lambda: zip_bytes(GOOD), "limit of 2,000 (AEVP_IMPORT_MAX_BYTES)", True, max_bytes=2000),
    case("image bomb", lambda: with_entry(GOOD, "circle/huge.png", bomb_png()), "circle/huge.png claims more", True),
    case("image bomb (ours)", lambda: with_entry(GOOD, "c/big.png", bomb_png(5000, 5000)), "5000x5000 pixels", True),
    case("big image", lambda: with_entry(GOOD, "c/big.png", image((300, 300))), "MAX_PIXELS", True, max_pixels=40_000),
    case("too many images", lambda: zip_bytes(GOOD), "9 images, over the limit of 8", True, max_images=8),
    case("too many classes", lambda: zip_bytes(GOOD), "3 classes, over the limit of 2", max_classes=2),
    case("not an image", lambda: with_entry(GOOD, "circle/notes.txt", b"hello"), "circle/notes.txt is not a PNG"),
    case("a GIF", lambda: with_entry(GOOD, "c/a.gif", encode(shape_image("circle", 0), "GIF")), "a.gif is not a PNG"),
    case("truncated image", lambda: with_entry(GOOD, "circle/cut.png", GOOD["circle/001.png"][:200]), "circle/cut.png"),
    case("top-level image", lambda: with_entry(GOOD, "loose.png", GOOD["circle/001.png"]), "loose.png is not in a"),
    case("duplicate name", lambda: with_entry(GOOD, "circle/001.png", b"again"), "circle/001.png appears twice"),
    case("encrypted", encrypted_zip, "is encrypted"),
    case("not a zip", lambda: b"PK\x03\x04 this is not really a zip", "is not a readable zip archive"),
    case("empty zip", lambda: zip_bytes({}), "holds no images"),
    case("one image a class", lambda: zip_bytes({"a/1.png": GOOD["circle/001.png"]}), "too few images"),
    case("half the idx", lambda: zip_bytes({"train-images-idx3-ubyte": b"\0\0\x08\x01"}), "IDX files found, but not"),
]


@pytest.mark.parametrize(("archive", "limits", "message", "too_large"), CASES)
@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_each_hostile_archive_is_refused_and_nothing_is_stored(
    tmp_path: Path, archive: Callable[[], bytes], limits: ImportLimits, message: str, too_large: bool
) -> None:
    with pytest.raises(ImportRefused) as caught:
        import_dataset(io.BytesIO(archive()), "evil", tmp_path, limits, label="the archive")
    assert message in str(caught.value)
    assert caught.value.too_large is too_large
    assert dataset_names(tmp_path) == ("mnist", "fashion-mnist", "quickdraw")
    assert not any(tmp_path.rglob("*")), "an import that was refused left files behind"


def test_a_gzip_bomb_among_idx_files_is_refused(tmp_path: Path) -> None:
    import gzip

    from aevp.data.catalog import IDX_FILES

    files = {f"{name}.gz": gzip.compress(b"\0\0\x08\x01" + bytes(64 << 20)) for name in IDX_FILES.values()}
    with pytest.raises(ImportRefused, match="refused as a (gzip|zip) bomb|AEVP_IMPORT_MAX_RATIO"):
        import_dataset(io.BytesIO(zip_bytes(files, compression=zipfile.ZIP_STORED)), "evil", tmp_path, ImportLimits())
    assert not any(tmp_path.rglob("*"))


def test_a_folder_with_a_symbolic_link_is_refused(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "in", GOOD)
    os.symlink("/etc/passwd", folder / "circle" / "link.png")
    with pytest.raises(ImportRefused, match="circle/link.png is a symbolic link"):
        import_dataset(folder, "evil", tmp_path / "cache", ImportLimits())
    assert not (tmp_path / "cache").exists()


def test_a_central_directory_too_long_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    files = {f"a/{i}.png": b"" for i in range(300)}
    with pytest.raises(ImportRefused, match="has 300 or more entries"):
        import_dataset(io.BytesIO(zip_bytes(files)), "evil", tmp_path, ImportLimits(max_images=50, max_classes=1))
