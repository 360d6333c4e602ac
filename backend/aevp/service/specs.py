"""What a model spec amounts to: its layer table and totals, as the builder and the model details show them."""

from __future__ import annotations

from aevp.ml.spec import ModelSpec
from aevp.service.schemas import LayerRow, SpecReport


def layer_rows(spec: ModelSpec) -> list[LayerRow]:
    return [LayerRow.of(layer) for layer in spec.layers()]


def report(spec: ModelSpec) -> SpecReport:
    """A valid spec's layer table (shape, parameters, forward FLOPs per layer) and totals."""
    return SpecReport(
        layers=layer_rows(spec),
        params=spec.param_count,
        forward_flops=spec.forward_flops,
        train_flops=spec.train_flops,
        summary=spec.summary(),
    )
