"""The MNIST-style conversion of one image: decode, background, bounding box to 20x20, centre of mass."""

import time

import numpy as np
from PIL import Image, ImageDraw

from aevp.data.imageprep import decode_grey, mnist_style

from .images import encode


def test_the_longer_side_becomes_20_and_the_aspect_is_kept() -> None:
    grey = np.zeros((100, 100), np.float32)
    grey[40:50, 10:90] = 255  # an 80 x 10 bar, off centre vertically
    image = mnist_style(grey)
    rows, cols = np.flatnonzero(image.any(axis=1)), np.flatnonzero(image.any(axis=0))
    assert (cols[-1] - cols[0] + 1, rows[-1] - rows[0] + 1) in ((20, 2), (20, 3))
    assert abs((rows[0] + rows[-1]) / 2 - 13.5) <= 1 and abs((cols[0] + cols[-1]) / 2 - 13.5) <= 1


def test_a_grey_background_is_removed_and_the_ink_stretched() -> None:
    grey = np.full((40, 40), 60, np.float32)
    grey[10:30, 18:22] = 160
    image = mnist_style(grey)
    assert image[0, 0] == 0 and image.max() == 255


def test_a_blank_image_stays_blank() -> None:
    assert not mnist_style(np.full((30, 30), 200, np.float32)).any()


def test_transparency_is_white_paper() -> None:
    clear = Image.new("RGBA", (40, 40), (0, 0, 0, 0))  # transparent black: white once composited
    ImageDraw.Draw(clear).line((5, 5, 35, 35), fill=(0, 0, 0, 255), width=3)
    grey = decode_grey(encode(clear), "x.png", 10_000)
    assert grey[0, 39] == 255 and grey[20, 20] == 0
    assert mnist_style(grey, invert=True)[14, 14] > 200


def test_a_large_jpeg_decodes_at_a_reduced_scale() -> None:
    photo = Image.new("RGB", (3000, 2000), "white")
    ImageDraw.Draw(photo).ellipse((500, 300, 2500, 1700), outline="black", width=60)
    data = encode(photo, "JPEG")
    start = time.perf_counter()
    grey = decode_grey(data, "photo.jpg", 10_000_000)
    assert max(grey.shape) <= 3000 // 8 + 1  # JPEG's draft mode: decoded at 1/8 scale
    assert mnist_style(grey, invert=True).max() == 255
    assert time.perf_counter() - start < 1
