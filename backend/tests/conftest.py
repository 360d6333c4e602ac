import numpy as np
import pytest

from aevp.ml.spec import ModelSpec


@pytest.fixture(scope="session")
def tiny_spec() -> ModelSpec:
    return ModelSpec(blocks=[{"filters": 4, "kernel": 3}], latent_dim=3, batch_size=16, epochs=1)


@pytest.fixture(scope="session")
def blobs() -> tuple[np.ndarray, np.ndarray]:
    """Learnable uint8 images: bright discs at random places (train 512, test 64)."""
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:28, :28]
    centres = rng.uniform(7, 21, size=(576, 2))
    radii = rng.uniform(3, 7, size=576)
    d2 = (yy[None] - centres[:, 0, None, None]) ** 2 + (xx[None] - centres[:, 1, None, None]) ** 2
    images = (255 * (d2 < radii[:, None, None] ** 2)).astype(np.uint8)
    return images[:512], images[512:]
