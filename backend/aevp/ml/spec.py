"""ModelSpec: the validated description of an autoencoder, and its layer table.

Every view of the architecture (model building, API, UI) reads `ModelSpec.layers()`; nothing else
hard-codes shapes.
"""

from __future__ import annotations

import hashlib
from functools import cached_property
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

IMAGE_SIZE = 28
# Size limits: what trains in minutes on a 2-core CPU. The default model is 178 k parameters and
# 19 MFLOP per image forward.
MAX_PARAMS = 5_000_000
MAX_FORWARD_FLOPS = 400_000_000

# A dataset is named by a built-in name or the name of one the user imported. Whether it exists is checked
# where its data is needed (submitting a job answers 409 for an unknown one); GET /api/datasets lists them.
BUILTIN_DATASETS: tuple[str, ...] = ("mnist", "fashion-mnist", "quickdraw")
DATASET_NAME_PATTERN = r"^[a-z0-9][a-z0-9-]{0,39}$"
Dataset = Annotated[
    str,
    Field(
        pattern=DATASET_NAME_PATTERN,
        description="A dataset from GET /api/datasets: mnist, fashion-mnist, quickdraw or one you imported",
        examples=list(BUILTIN_DATASETS),
    ),
]
Variant = Literal["plain", "denoising", "vae"]
SUPPORTED_VARIANTS: tuple[str, ...] = ("plain", "denoising", "vae")
Corruption = Literal["gaussian", "mask"]
# Names start with this: AE-32-64-L16, VAE-32-64-L16, DAE-32-64-L16.
VARIANT_PREFIX = {"plain": "AE", "vae": "VAE", "denoising": "DAE"}
MAX_MASK_FRACTION = 0.9
Activation = Literal["relu", "leaky_relu", "gelu", "silu", "tanh"]


class ConvBlock(BaseModel):
    """One encoder block: a convolution, then downsampling by 2."""

    model_config = ConfigDict(strict=True, frozen=True, extra="forbid")

    filters: Annotated[int, Field(ge=1, le=128, description="Output channels of the convolution")] = 32
    kernel: Literal[3, 5] = 3


class LayerInfo(BaseModel):
    """One row of the layer table."""

    model_config = ConfigDict(frozen=True)

    name: str
    part: Literal["encoder", "decoder"]
    kind: Literal["conv", "maxpool", "dense", "tconv"]
    shape: tuple[int, ...] = Field(description="Output shape per image: (H, W, C) or (D,)")
    params: int
    flops: int = Field(description="Forward FLOPs per image (2 per multiply-add)")
    activation: str | None
    kernel: int | None = None
    stride: int = 1


def _default_blocks() -> list[ConvBlock]:
    return [ConvBlock(filters=32, kernel=3), ConvBlock(filters=64, kernel=3)]


# The fields that change the model's shapes or its inference graph.
ARCHITECTURE_FIELDS = ("variant", "blocks", "downsample", "latent_dim", "activation", "loss")


def _variant_fields_optional(schema: dict) -> None:
    if "required" in schema:
        schema["required"] = [n for n in schema["required"] if n not in ("beta", "corruption", "corruption_level")]


class ModelSpec(BaseModel):
    """A convolutional autoencoder and how to train it. Defaults give AE-32-64-L16."""

    # The variant fields came later: a spec without them (an older client's) is complete.
    model_config = ConfigDict(strict=True, frozen=True, extra="forbid", json_schema_extra=_variant_fields_optional)

    dataset: Dataset = "mnist"
    variant: Variant = Field(
        "plain",
        description="plain; vae (the encoder gives a mean and a log-variance, loss = BCE summed over pixels + "
        "beta x KL); denoising (inputs corrupted in training only, targets clean)",
    )
    blocks: Annotated[list[ConvBlock], Field(min_length=1, max_length=4)] = Field(
        default_factory=_default_blocks
    )
    downsample: Literal["maxpool", "stride"] = "maxpool"
    latent_dim: Annotated[int, Field(ge=1, le=64)] = 16
    activation: Activation = "relu"
    loss: Literal["bce", "mse"] = "bce"
    optimizer: Literal["adam", "adamw", "sgd"] = Field("adam", description="sgd uses momentum 0.9")
    learning_rate: Annotated[float, Field(gt=0.0, le=1.0, allow_inf_nan=False)] = 1e-3
    batch_size: Annotated[int, Field(ge=8, le=1024)] = 128
    epochs: Annotated[int, Field(ge=1, le=100)] = 5
    seed: Annotated[int, Field(ge=0, le=2**31 - 1)] = 0
    beta: Annotated[float, Field(ge=0.0, le=10.0, allow_inf_nan=False)] = Field(
        1.0, description="vae only: weight of the KL term"
    )
    corruption: Corruption = Field("gaussian", description="denoising only: gaussian noise or random masking")
    corruption_level: Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)] = Field(
        0.3, description="denoising only: noise sigma (gaussian, 0..1) or fraction of pixels zeroed (mask, 0..0.9)"
    )

    @field_validator("blocks")
    @classmethod
    def _check_kernels_fit(cls, blocks: list[ConvBlock]) -> list[ConvBlock]:
        size = IMAGE_SIZE
        for i, block in enumerate(blocks):
            if block.kernel > size:
                raise ValueError(
                    f"blocks[{i}].kernel: a {block.kernel}x{block.kernel} kernel needs a feature map of at "
                    f"least {block.kernel}x{block.kernel}, but block {i + 1} sees {size}x{size}; "
                    "use kernel 3 or fewer blocks"
                )
            size = -(-size // 2)
        return blocks

    @model_validator(mode="after")
    def _check_combination(self) -> ModelSpec:
        if self.variant not in SUPPORTED_VARIANTS:
            raise ValueError(f"variant: '{self.variant}' is not available yet; use one of {SUPPORTED_VARIANTS}")
        if self.corruption == "mask" and self.corruption_level > MAX_MASK_FRACTION:
            raise ValueError(
                f"corruption_level: masking {self.corruption_level:g} of the pixels leaves too little to "
                f"reconstruct from; use at most {MAX_MASK_FRACTION}"
            )
        params, flops = self.param_count, self.forward_flops
        if params > MAX_PARAMS:
            raise ValueError(
                f"blocks: the model has {params:,} parameters, over the limit of {MAX_PARAMS:,}; "
                "use fewer filters or a smaller latent"
            )
        if flops > MAX_FORWARD_FLOPS:
            raise ValueError(
                f"blocks: the model needs {flops / 1e6:.1f} MFLOP per image, over the limit of "
                f"{MAX_FORWARD_FLOPS / 1e6:.0f} MFLOP; use fewer filters or fewer blocks"
            )
        return self

    @property
    def encoder_sizes(self) -> list[int]:
        """Spatial size entering each block, then after the last one: 28, 14, 7 for two blocks."""
        sizes = [IMAGE_SIZE]
        for _ in self.blocks:
            sizes.append(-(-sizes[-1] // 2))
        return sizes

    @cached_property
    def _table(self) -> tuple[LayerInfo, ...]:
        return tuple(_build_layers(self))

    def layers(self) -> list[LayerInfo]:
        """The layer table: encoder then decoder, in the order data flows."""
        return list(self._table)

    @property
    def param_count(self) -> int:
        return sum(layer.params for layer in self._table)

    @property
    def forward_flops(self) -> int:
        return sum(layer.flops for layer in self._table)

    @property
    def train_flops(self) -> int:
        """Forward + weight gradients + input gradients of every layer but the first."""
        weighted = [layer.flops for layer in self._table if layer.params]
        return self.forward_flops + sum(weighted) + sum(weighted[1:])

    def architecture_key(self) -> str:
        """Identifies the compiled functions: fields that change shapes or the computation graph."""
        arch = self.model_dump(include=set(ARCHITECTURE_FIELDS))
        return hashlib.sha256(repr(sorted(arch.items())).encode()).hexdigest()[:16]

    def training_key(self) -> str:
        """Identifies the compiled train step: the architecture, the optimizer, the batch size and the
        variant's own hyper-parameters (fields a variant does not use are left out)."""
        exclude = {"dataset", "epochs", "seed"}
        if self.variant != "vae":
            exclude.add("beta")
        if self.variant != "denoising":
            exclude |= {"corruption", "corruption_level"}
        return self.model_dump_json(exclude=exclude)

    def summary(self) -> str:
        """One line such as 'conv 32 -> pool -> conv 64 -> pool -> 16'."""
        parts = []
        for block in self.blocks:
            if self.downsample == "maxpool":
                parts += [f"conv {block.filters}", "pool"]
            else:
                parts.append(f"conv {block.filters}/2")
        return " -> ".join(parts + [str(self.latent_dim)])


def _build_layers(spec: ModelSpec) -> list[LayerInfo]:
    sizes = spec.encoder_sizes
    act = spec.activation
    rows: list[LayerInfo] = []
    channels = 1
    for i, block in enumerate(spec.blocks, start=1):
        k, size_in = block.kernel, sizes[i - 1]
        stride = 2 if spec.downsample == "stride" else 1
        conv_out = sizes[i] if stride == 2 else size_in
        rows.append(
            LayerInfo(
                name=f"enc_conv{i}", part="encoder", kind="conv",
                shape=(conv_out, conv_out, block.filters),
                params=k * k * channels * block.filters + block.filters,
                flops=2 * k * k * channels * block.filters * conv_out * conv_out,
                activation=act, kernel=k, stride=stride,
            )
        )
        if spec.downsample == "maxpool":
            rows.append(
                LayerInfo(
                    name=f"enc_pool{i}", part="encoder", kind="maxpool",
                    shape=(sizes[i], sizes[i], block.filters), params=0, flops=0,
                    activation=None, kernel=2, stride=2,
                )
            )
        channels = block.filters
    side = sizes[-1]
    flat = side * side * channels
    d = spec.latent_dim
    rows.append(
        LayerInfo(name="latent", part="encoder", kind="dense", shape=(d,),
                  params=flat * d + d, flops=2 * flat * d, activation=None)
    )
    if spec.variant == "vae":
        # The encoder's second head: `latent` is the mean (the code the decoder reads at evaluation),
        # `latent_logvar` the log-variance, both from the same features.
        rows.append(
            LayerInfo(name="latent_logvar", part="encoder", kind="dense", shape=(d,),
                      params=flat * d + d, flops=2 * flat * d, activation=None)
        )
    rows.append(
        LayerInfo(name="dec_dense", part="decoder", kind="dense", shape=(side, side, channels),
                  params=d * flat + flat, flops=2 * d * flat, activation=act)
    )
    n = len(spec.blocks)
    for j in range(1, n + 1):
        block = spec.blocks[n - j]
        k, size_in, size_out = block.kernel, sizes[n - j + 1], sizes[n - j]
        rows.append(
            LayerInfo(
                name=f"dec_tconv{j}", part="decoder", kind="tconv",
                shape=(size_out, size_out, block.filters),
                params=k * k * channels * block.filters + block.filters,
                # A stride-2 transposed conv scatters each input pixel through the k x k kernel.
                flops=2 * k * k * channels * block.filters * size_in * size_in,
                activation=act, kernel=k, stride=2,
            )
        )
        channels = block.filters
    k = spec.blocks[0].kernel
    rows.append(
        LayerInfo(
            name="output", part="decoder", kind="conv", shape=(IMAGE_SIZE, IMAGE_SIZE, 1),
            params=k * k * channels + 1, flops=2 * k * k * channels * IMAGE_SIZE * IMAGE_SIZE,
            activation="sigmoid", kernel=k,
        )
    )
    return rows
