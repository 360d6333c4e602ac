"""A user's image to a 28x28 grey MNIST-style image: decode safely, then size-normalise and centre.

The MNIST way: the ink's bounding box is scaled to fit 20x20 (keeping its aspect ratio, anti-aliased), then
placed in the 28x28 field so that its centre of mass sits at the field's centre. MNIST is light ink on a dark
background: images drawn dark on light need `invert`.
"""

import io
import warnings

import numpy as np
from PIL import Image, UnidentifiedImageError

from aevp.data.errors import ImportRefused

SIDE = 28
BOX = 20
FORMATS = ("PNG", "JPEG")
INK_THRESHOLD = 0.1  # a pixel brighter than this fraction of the brightest one counts for the bounding box


def decode_grey(data: bytes, name: str, max_pixels: int) -> np.ndarray:
    """A PNG or JPEG as a float32 grey array in 0..255 (transparent parts white); refuses anything else.

    The pixel count is read from the header and checked before any pixel is decoded, so a small file that
    claims a huge image (a decompression bomb) costs nothing."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our own, lower limit comes next
            image = Image.open(io.BytesIO(data), formats=FORMATS)
    except Image.DecompressionBombError as exc:
        raise ImportRefused(
            f"{name} claims more than {2 * Image.MAX_IMAGE_PIXELS:,} pixels: refused as a decompression bomb",
            too_large=True,
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImportRefused(f"{name} is not a PNG or JPEG image") from exc
    with image:
        width, height = image.size
        if width * height > max_pixels:
            raise ImportRefused(
                f"{name} is {width}x{height} pixels, over the limit of {max_pixels:,} "
                "(AEVP_IMPORT_MAX_PIXELS): refused as a possible decompression bomb",
                too_large=True,
            )
        if width < 1 or height < 1:
            raise ImportRefused(f"{name} has no pixels")
        try:
            if image.format == "JPEG":
                image.draft("L", (4 * SIDE, 4 * SIDE))  # decode a large JPEG at a reduced scale: far cheaper
            return _grey(image)
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
            raise ImportRefused(f"{name}: cannot decode the image ({exc})") from exc


def _grey(image: Image.Image) -> np.ndarray:
    image.seek(0)  # the first frame of an animated PNG
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    return np.asarray(image.convert("L"), dtype=np.float32)


def mnist_style(grey: np.ndarray, invert: bool = False) -> np.ndarray:
    """28x28 uint8: the background (the border's median) made 0, the ink cropped to its bounding box, fitted into
    20x20 and stretched to 0..255, placed with its centre of mass at the centre. A blank image stays blank."""
    ink = 255.0 - grey if invert else grey.astype(np.float32)
    border = np.concatenate([ink[0], ink[-1], ink[1:-1, 0], ink[1:-1, -1]])
    ink = np.clip(ink - float(np.median(border)), 0.0, None)
    peak = float(ink.max())
    out = np.zeros((SIDE, SIDE), np.uint8)
    if peak <= 0:
        return out
    ink *= 255.0 / peak
    rows = np.flatnonzero((ink > INK_THRESHOLD * 255).any(axis=1))
    cols = np.flatnonzero((ink > INK_THRESHOLD * 255).any(axis=0))
    crop = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    height, width = crop.shape
    scale = BOX / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    fitted = np.asarray(
        Image.fromarray(np.ascontiguousarray(crop, np.float32)).resize(
            size, Image.Resampling.LANCZOS, reducing_gap=3.0
        ),
        np.float32,
    )
    fitted = np.clip(fitted, 0.0, None)
    if float(fitted.max()) <= 0:
        return out
    fitted *= 255.0 / float(fitted.max())  # thin strokes of a large image fade when shrunk: full range again
    mass = float(fitted.sum())
    ys, xs = np.indices(fitted.shape)
    centre = (float((ys * fitted).sum()) / mass, float((xs * fitted).sum()) / mass)
    # The field's centre is 13.5 (pixel centres 0..27); integer shifts, kept inside the field.
    top = min(max(int(np.floor(13.5 - centre[0] + 0.5)), 0), SIDE - fitted.shape[0])
    left = min(max(int(np.floor(13.5 - centre[1] + 0.5)), 0), SIDE - fitted.shape[1])
    out[top : top + fitted.shape[0], left : left + fitted.shape[1]] = np.rint(fitted).astype(np.uint8)
    return out
