"""A latent map as a PNG: points coloured by class (Tableau10, as in the lab) with a legend. Pure Pillow."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

# d3's schemeTableau10, the lab's class colours.
TABLEAU10 = (
    "#4e79a7",
    "#f28e2c",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc949",
    "#af7aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ab",
)
PLOT = 800  # the square plot, pixels
LEGEND = 220  # the legend column to its right
TITLE = 40  # the title row above both
PAD = 12


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype("DejaVuSans.ttf", size)
    except OSError:  # no DejaVu on this system: Pillow's own font (scalable since Pillow 10.1)
        return ImageFont.load_default(size)


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16)


def render_map(
    points: np.ndarray, labels: np.ndarray, class_names: Sequence[str], title: str, dot: int = 3
) -> Image.Image:
    """(N, 2) points and (N,) labels -> an RGB image: the scatter (y up), a legend naming each class
    present with its colour and count, and `title` above."""
    p = np.nan_to_num(np.asarray(points, np.float64))
    labels = np.asarray(labels).astype(int)
    if p.ndim != 2 or p.shape[1] != 2 or labels.shape != (p.shape[0],):
        raise ValueError(f"points (N, 2) and labels (N,) must match, got {p.shape} and {labels.shape}")
    image = Image.new("RGB", (PLOT + LEGEND, PLOT + TITLE), "white")
    draw = ImageDraw.Draw(image)
    draw.text((PAD, TITLE // 2), title, fill="black", font=_font(18), anchor="lm")
    lo, hi = (p.min(axis=0), p.max(axis=0)) if len(p) else (np.zeros(2), np.ones(2))
    span = np.where(hi > lo, hi - lo, 1.0)
    inner = PLOT - 2 * PAD
    xy = np.empty_like(p)
    xy[:, 0] = PAD + (p[:, 0] - lo[0]) / span[0] * inner
    xy[:, 1] = TITLE + PAD + (hi[1] - p[:, 1]) / span[1] * inner  # y up on the map
    colours = [_rgb(c) for c in TABLEAU10]
    r = dot / 2
    for (x, y), label in zip(xy, labels, strict=True):  # test-set order: no class always on top
        draw.rectangle((x - r, y - r, x + r, y + r), fill=colours[label % len(colours)])
    draw.rectangle((0, TITLE, PLOT - 1, PLOT + TITLE - 1), outline="#cccccc")
    font = _font(15)
    y = TITLE + PAD
    for label in sorted(set(labels.tolist())):
        name = class_names[label] if 0 <= label < len(class_names) else str(label)
        draw.rectangle((PLOT + PAD, y + 3, PLOT + PAD + 14, y + 17), fill=colours[label % len(colours)])
        draw.text(
            (PLOT + PAD + 22, y + 10),
            f"{name} ({int((labels == label).sum()):,})",
            fill="black",
            font=font,
            anchor="lm",
        )
        y += 24
    return image
