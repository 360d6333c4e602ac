"""Response examples shown in the OpenAPI docs (`/docs`); tests validate each against its model.

Long arrays are cut short here (a reconstruction has 784 values, a latent one per dimension).
"""

from __future__ import annotations

from typing import Any

from aevp.ml.spec import ModelSpec

_SPEC = ModelSpec().model_dump()
_METRICS = {"test_loss": 0.0888, "psnr": 21.44, "ssim": 0.897, "epochs": 5.0, "train_seconds": 402.0}
_EPOCH = {"epoch": 1, "train_loss": 0.1322, "test_loss": 0.1096, "psnr": 18.82, "ssim": 0.805}
_PROGRESS = {
    "epoch": 1,
    "epochs": 5,
    "step": 234,
    "total_steps": 2340,
    "images_per_s": 731.5,
    "eta_s": 368.6,
    "fraction": 0.1,
}
_TENSOR = {"shape": [1, 2, 2], "lo": [0.0], "hi": [1.5], "data": "AIAA/w=="}

_DEFAULT = ModelSpec()
_LAYER = {
    "name": "enc_conv1",
    "part": "encoder",
    "kind": "conv",
    "shape": [28, 28, 32],
    "params": 320,
    "flops": 451584,
    "activation": "relu",
    "kernel": 3,
    "stride": 1,
}
SPEC_REPORT: dict[str, Any] = {
    "valid": True,
    "layers": [_LAYER],
    "params": _DEFAULT.param_count,
    "forward_flops": _DEFAULT.forward_flops,
    "train_flops": _DEFAULT.train_flops,
    "summary": _DEFAULT.summary(),
}
MODEL_SUMMARY: dict[str, Any] = {
    "id": "ae-32-64-l16-mnist",
    "title": "AE-32-64-L16 · MNIST",
    "dataset": "mnist",
    "spec": _SPEC,
    "params": _DEFAULT.param_count,
    "metrics": _METRICS,
    "pretrained": True,
    "created": "2025-01-01T12:00:00Z",
    "available": True,
}
UNAVAILABLE_MODEL: dict[str, Any] = {
    "id": "ae-8-l8-mnist-20250101-120000-a1b2c3",
    "title": "AE-8-L8 · MNIST",
    "pretrained": False,
    "created": "2025-01-01T12:00:00Z",
    "available": False,
    "problem": "weights.safetensors is missing",
}
MODEL_DETAIL: dict[str, Any] = {
    **MODEL_SUMMARY,
    "layers": [_LAYER],
    "history": {"losses": [0.6931, 0.4112, 0.2874], "epochs": [_EPOCH]},
}
LATENT_STATS: dict[str, Any] = {
    "count": 10000,
    "dims": [
        {"p1": -3.1, "p5": -2.2, "p25": -0.9, "p50": 0.1, "p75": 1.0, "p95": 2.4, "p99": 3.3, "mean": 0.05, "std": 1.4}
    ],
}
PROJECTION: dict[str, Any] = {
    "method": "pca",
    "count": 3,
    "points": [[1.92, -0.4], [-2.31, 0.87], [0.11, 2.05]],
    "labels": [7, 2, 1],
    "explained_variance": [0.213, 0.141],
    "mean": [0.52, -0.11, 1.3],
    "components": [[0.61, -0.2, 0.77], [0.35, 0.93, -0.1]],
    "seconds": 0.41,
}
MAP_STATUS: dict[str, Any] = {
    "model_id": "ae-32-64-l16-mnist",
    "method": "tsne",
    "state": "running",
    "stage": "optimisation",
    "fraction": 0.42,
    "error": None,
    "stream": "/ws/models/ae-32-64-l16-mnist/latent-map?method=tsne",
}
SAMPLE_LIST: dict[str, Any] = {
    "dataset": "mnist",
    "split": "test",
    "total": 1010,
    "offset": 0,
    "items": [{"index": 18, "label": 3, "image": [0, 0, 0, 84, 185, 159]}],
}
EXPLORE_RESULT: dict[str, Any] = {
    "latent": [1.93, -0.42, 0.77],
    "reconstruction": [0.0012, 0.0009, 0.0011],
    "activations": [{"name": "enc_conv1", "part": "encoder", "kind": "conv", "tensor": _TENSOR}],
    "mse": 0.0061,
    "psnr": 22.15,
    "ssim": 0.913,
}
DECODE_RESULT: dict[str, Any] = {
    "reconstruction": [0.0012, 0.0009, 0.0011],
    "activations": [{"name": "dec_dense", "part": "decoder", "kind": "dense", "tensor": _TENSOR}],
}
JOB_INFO: dict[str, Any] = {
    "id": "3f9c2a1b7d4e",
    "state": "running",
    "spec": _SPEC,
    "created": "2025-01-01T12:00:00Z",
    "progress": _PROGRESS,
    "model_id": None,
    "error": None,
    "executor": "local",
}
JOB_DETAIL: dict[str, Any] = {**JOB_INFO, "losses": [0.6931, 0.4112, 0.2874], "epochs": []}
