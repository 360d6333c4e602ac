"""`aevp train` and `aevp eval`."""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

from aevp.cli.common import fail, resolve_model, settings_with
from aevp.data import DataError, load_dataset
from aevp.ml.spec import ModelSpec

err = Console(stderr=True)
out = Console()

_D = "Defaults give AE-32-64-L16."


def _spec_from_options(**fields: object) -> ModelSpec:
    try:
        return ModelSpec.model_validate(fields)
    except ValidationError as exc:
        lines = []
        for e in exc.errors():
            loc = ".".join(str(p) for p in e["loc"]) or "spec"
            msg = e["msg"].removeprefix("Value error, ")
            lines.append(f"  --{loc.replace('_', '-')}: {msg}")
        fail("invalid model spec:\n" + "\n".join(lines), code=2)


def _parse_ints(text: str, option: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        fail(f"{option} must be comma-separated integers, e.g. 32,64; got {text!r}", code=2)


class _StopOnInterrupt:
    """The first Ctrl-C asks the loop to stop between steps; a second one stops at once."""

    def __init__(self) -> None:
        self.requested = False

    def __enter__(self) -> _StopOnInterrupt:
        self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, *_: object) -> None:
        if self.requested:
            signal.signal(signal.SIGINT, self._previous)
            raise KeyboardInterrupt
        self.requested = True
        err.print("[yellow]Stopping after this step (Ctrl-C again to abort now)...[/]")

    def __exit__(self, *_: object) -> None:
        signal.signal(signal.SIGINT, self._previous)


def train_command(
    dataset: Annotated[str, typer.Option(help="mnist, fashion-mnist, quickdraw or one you imported")] = "mnist",
    filters: Annotated[str, typer.Option(help="Filters of each conv block, comma-separated (1 to 4 blocks)")] = "32,64",
    kernel: Annotated[str, typer.Option(help="Kernel size (3 or 5), one for all blocks or one per block")] = "3",
    downsample: Annotated[str, typer.Option(help="maxpool or stride")] = "maxpool",
    latent_dim: Annotated[int, typer.Option(help="Size of the bottleneck, 1 to 64")] = 16,
    activation: Annotated[str, typer.Option(help="relu, leaky_relu, gelu, silu or tanh")] = "relu",
    loss: Annotated[str, typer.Option(help="bce or mse")] = "bce",
    optimizer: Annotated[str, typer.Option(help="adam, adamw or sgd (momentum 0.9)")] = "adam",
    learning_rate: Annotated[float, typer.Option("--learning-rate", "--lr")] = 1e-3,
    batch_size: Annotated[int, typer.Option()] = 128,
    epochs: Annotated[int, typer.Option()] = 5,
    seed: Annotated[int, typer.Option()] = 0,
    variant: Annotated[str, typer.Option(help="plain, vae or denoising")] = "plain",
    beta: Annotated[float, typer.Option(help="vae: weight of the KL term, 0 to 10")] = 1.0,
    corruption: Annotated[str, typer.Option(help="denoising: gaussian or mask")] = "gaussian",
    corruption_level: Annotated[
        float, typer.Option(help="denoising: noise sigma (gaussian, 0 to 1) or masked fraction (mask, 0 to 0.9)")
    ] = 0.3,
    train_limit: Annotated[int | None, typer.Option(help="Train on the first N images only (quick runs)")] = None,
    pretrained: Annotated[bool, typer.Option(help="Save as the shipped pretrained model for this spec")] = False,
    data_dir: Annotated[Path | None, typer.Option(help="Dataset cache (default: AEVP_DATA_DIR)")] = None,
    models_dir: Annotated[Path | None, typer.Option(help="Where models are saved (default: AEVP_MODELS_DIR)")] = None,
) -> None:
    """Train an autoencoder with a live progress bar. Defaults give AE-32-64-L16 on MNIST."""
    from aevp.ml import checkpoint, timeline_file
    from aevp.ml.train import BatchLosses, EpochEnd, Finished, train
    from aevp.ml.train import Progress as TrainProgress

    block_filters = _parse_ints(filters, "--filters")
    kernels = _parse_ints(kernel, "--kernel")
    if len(kernels) == 1:
        kernels = kernels * len(block_filters)
    if len(kernels) != len(block_filters):
        fail(f"--kernel needs 1 or {len(block_filters)} values, got {len(kernels)}", code=2)
    spec = _spec_from_options(
        dataset=dataset, blocks=[{"filters": f, "kernel": k} for f, k in zip(block_filters, kernels, strict=True)],
        downsample=downsample, latent_dim=latent_dim, activation=activation, loss=loss, optimizer=optimizer,
        learning_rate=learning_rate, batch_size=batch_size, epochs=epochs, seed=seed,
        variant=variant, beta=beta, corruption=corruption, corruption_level=corruption_level,
    )
    settings = settings_with(data_dir=data_dir, models_dir=models_dir)
    try:
        data = load_dataset(spec.dataset, settings.data_dir)
    except DataError as exc:
        fail(str(exc))
    train_images = data.train_images[:train_limit] if train_limit else data.train_images
    out.print(f"Training [bold]{checkpoint.spec_name(spec)}[/] ({spec.summary()}, {spec.param_count:,} parameters) "
              f"on {spec.dataset}: {len(train_images):,} images, {spec.epochs} epochs, batch {spec.batch_size}")
    columns = (TextColumn("epoch {task.fields[epoch]}/{task.fields[epochs]}"), BarColumn(), TaskProgressColumn(),
               TextColumn("loss {task.fields[loss]:.4f}  {task.fields[rate]:,.0f} img/s"), TimeRemainingColumn())
    finished = None
    with _StopOnInterrupt() as stop, Progress(*columns, console=err) as bar:
        task = bar.add_task("train", total=None, epoch=1, epochs=spec.epochs, loss=float("nan"), rate=0.0)
        for event in train(spec, train_images, data.test_images, should_stop=lambda: stop.requested,
                           test_labels=data.test_labels):
            if isinstance(event, BatchLosses):
                bar.update(task, loss=event.values[-1])
            elif isinstance(event, TrainProgress):
                bar.update(task, completed=event.step, total=event.total_steps, epoch=event.epoch,
                           rate=event.images_per_s)
            elif isinstance(event, EpochEnd):
                vae = "" if event.test_elbo is None else (
                    f", test -ELBO {event.test_elbo:.2f} (recon {event.test_recon:.2f} + KL {event.test_kl:.2f})")
                bar.console.print(f"epoch {event.epoch}: train loss {event.train_loss:.4f}, test loss "
                                  f"{event.test_loss:.4f}, PSNR {event.psnr:.2f} dB, SSIM {event.ssim:.3f}{vae}")
            elif isinstance(event, Finished):
                finished = event
    assert finished is not None
    if finished.state == "cancelled":
        err.print("Cancelled: nothing was saved.")
        raise typer.Exit(130)
    if finished.state == "failed":
        fail(f"training failed: {finished.error}")
    assert finished.params is not None
    root = settings.pretrained_dir if pretrained else settings.models_dir
    model_id = checkpoint.spec_name(spec) + f"-{spec.dataset}" if pretrained else None
    timeline = timeline_file.dump(finished.timeline) if finished.timeline is not None else None
    saved = checkpoint.save(root, spec, finished.params, finished.metrics, finished.history, model_id=model_id,
                            timeline=timeline)
    m = finished.metrics
    out.print(f"Saved [bold]{saved}[/] in {root}: test loss {m['test_loss']:.4f}, PSNR {m['psnr']:.2f} dB, "
              f"SSIM {m['ssim']:.3f} ({m['train_seconds']:.0f} s)")


def eval_command(
    model: Annotated[str, typer.Argument(help="A model id (see `aevp models list`) or a model folder")],
    data_dir: Annotated[Path | None, typer.Option(help="Dataset cache (default: AEVP_DATA_DIR)")] = None,
    models_dir: Annotated[Path | None, typer.Option(help="User models (default: AEVP_MODELS_DIR)")] = None,
    corruption: Annotated[
        str | None,
        typer.Option(help="Also score reconstructions of corrupted test images: gaussian or mask "
                     "(default for a denoising model: its training corruption)"),
    ] = None,
    corruption_level: Annotated[
        float | None, typer.Option(help="Noise sigma (gaussian) or fraction of pixels zeroed (mask), 0..1")
    ] = None,
) -> None:
    """Test-set loss, mean PSNR and SSIM of a model (and, with a corruption, how well it denoises)."""
    from aevp.ml import steps
    from aevp.ml.train import evaluate

    settings = settings_with(data_dir=data_dir, models_dir=models_dir)
    ckpt = resolve_model(model, settings)
    noise = _eval_corruption(ckpt.spec, corruption, corruption_level)
    try:
        data = load_dataset(ckpt.spec.dataset, settings.data_dir)
    except DataError as exc:
        fail(str(exc))
    metrics = evaluate(ckpt.spec, steps.unflatten_params(ckpt.spec, ckpt.params), data.test_images)
    out.print(f"{ckpt.id} on the {ckpt.spec.dataset} test set ({len(data.test_images):,} images):")
    if ckpt.spec.variant != "vae":  # a VAE's loss is its negative ELBO, printed below with its terms
        out.print(f"  test loss ({ckpt.spec.loss} per pixel)  {metrics['test_loss']:.4f}")
    out.print(f"  PSNR                         {metrics['psnr']:.2f} dB")
    out.print(f"  SSIM                         {metrics['ssim']:.4f}")
    if "test_elbo" in metrics:
        out.print(f"  negative ELBO (nats/image)   {metrics['test_elbo']:.2f} "
                  f"(reconstruction {metrics['test_recon']:.2f} + KL {metrics['test_kl']:.2f})")
    if noise is not None:
        from aevp.ml.inference import Inference

        kind, level = noise
        d = Inference(ckpt.spec, ckpt.params).denoising_metrics(data.test_images.astype("float32") / 255, kind, level)
        out.print(f"  with {kind} corruption {level:g} (seed 0), against the clean images:")
        out.print(f"    corrupted input            PSNR {d['input_psnr']:.2f} dB, SSIM {d['input_ssim']:.4f}")
        out.print(f"    reconstruction             PSNR {d['psnr']:.2f} dB, SSIM {d['ssim']:.4f}")


def _eval_corruption(spec: ModelSpec, kind: str | None, level: float | None) -> tuple[str, float] | None:
    """The corruption `eval` scores: the options, else a denoising model's own, else none."""
    if kind is None and level is None:
        return (spec.corruption, spec.corruption_level) if spec.variant == "denoising" else None
    kind = kind or spec.corruption
    if kind not in ("gaussian", "mask"):
        fail(f"--corruption must be gaussian or mask, not {kind!r}", code=2)
    level = spec.corruption_level if level is None else level
    if not 0 <= level <= 1:
        fail(f"--corruption-level must be in 0..1, not {level:g}", code=2)
    return kind, level


def register(app: typer.Typer) -> None:
    app.command("train")(train_command)
    app.command("eval")(eval_command)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(typer.run(train_command))
