"""The service's own failures, each a 4xx that `aevp.service.errors` maps by type: the message is the detail.

They live in one leaf module so that any service module can raise them and the error handlers can
import them all without importing the modules that raise them.
"""

from __future__ import annotations


class ModelNotFound(LookupError):  # 404
    def __init__(self, model_id: str) -> None:
        super().__init__(f"no model with id {model_id!r}")


class TimelineNotFound(LookupError):  # 404: a model or job without a timeline, or a frame it does not have
    pass


class DatasetNotFound(LookupError):  # 404
    def __init__(self, name: str, known: tuple[str, ...]) -> None:
        super().__init__(f"no dataset {name!r}; available: {', '.join(known)}")


class ModelReadOnly(PermissionError):  # 403
    def __init__(self, model_id: str) -> None:
        super().__init__(f"model {model_id!r} is pretrained and cannot be deleted")


class NotVae(ValueError):  # 409
    def __init__(self, model_id: str, variant: str) -> None:
        super().__init__(
            f"model {model_id!r} is a {variant} autoencoder: only a VAE has a prior to sample from "
            "(train one with variant 'vae')"
        )


class LatentSizeMismatch(ValueError):  # 422
    def __init__(self, model_id: str, values: int, latent_dim: int) -> None:
        super().__init__(f"latent has {values} values; model {model_id!r} has {latent_dim} latent dimensions")


class MapUnavailable(ValueError):  # 422
    """A map this model cannot have (the latent plane of a model whose latent is not 2-D), or no such method."""


class WalkInvalid(ValueError):  # 422
    """A request the schema cannot rule out on its own, such as a latent dimension the model lacks."""


class InvalidField(ValueError):  # 422, shaped like a validation error of the field at `loc`
    """A request field that passed the schema but not a check that needs more (e.g. a label the dataset
    does not have, an uploaded file that is not a model)."""

    def __init__(self, loc: list[str | int], message: str) -> None:
        super().__init__(message)
        self.loc = loc
