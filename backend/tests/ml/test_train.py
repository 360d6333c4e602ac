import subprocess
import sys
from dataclasses import replace

import numpy as np

from aevp.ml.events import EpochState
from aevp.ml.spec import ModelSpec
from aevp.ml.train import BatchLosses, EpochEnd, Finished, Progress, Snapshot, train


def _events(spec, data, **kw):
    return list(train(spec, data[0], data[1], **kw))


def test_every_batch_loss_in_order_progress_snapshots_epochs_and_done(blobs):
    spec = ModelSpec(blocks=[{"filters": 4, "kernel": 3}], latent_dim=3, batch_size=16, epochs=2)
    events = _events(spec, blobs, snapshot_interval_s=0.0, probe_count=3)
    losses = [e for e in events if isinstance(e, BatchLosses)]
    assert [e.start_step for e in losses] == list(np.cumsum([0] + [len(e.values) for e in losses])[:-1])
    assert sum(len(e.values) for e in losses) == 2 * (512 // 16)
    progress = [e for e in events if isinstance(e, Progress)]
    assert progress[-1].step == progress[-1].total_steps == 64 and progress[-1].fraction == 1.0
    snaps = [e for e in events if isinstance(e, Snapshot)]
    assert snaps and snaps[-1].reconstructions.shape == (3, 28, 28)
    assert set(snaps[-1].activations) == {r.name for r in spec.layers()}
    epochs = [e for e in events if isinstance(e, EpochEnd)]
    assert [e.epoch for e in epochs] == [1, 2] and epochs[1].test_loss < epochs[0].test_loss
    final = events[-1]
    assert isinstance(final, Finished) and final.state == "done"
    assert len(final.history["losses"]) == 64 and final.metrics["psnr"] == epochs[-1].psnr
    assert final.params is not None and set(final.params) >= {"enc_conv1.kernel", "output.bias"}


def test_training_lowers_the_loss(blobs):
    spec = ModelSpec(blocks=[{"filters": 8, "kernel": 3}], latent_dim=4, batch_size=16, epochs=3)
    losses = _events(spec, blobs)[-1].history["losses"]
    assert np.mean(losses[-10:]) < 0.6 * np.mean(losses[:3])


def test_same_seed_same_curve_other_seed_other_curve(blobs, tiny_spec):
    a = _events(tiny_spec, blobs)[-1].history["losses"]
    b = _events(tiny_spec, blobs)[-1].history["losses"]
    c = _events(tiny_spec.model_copy(update={"seed": 1}), blobs)[-1].history["losses"]
    assert a == b and a != c


def test_resume_from_an_epoch_state_gives_the_uninterrupted_losses(blobs):
    spec = ModelSpec(blocks=[{"filters": 4, "kernel": 3}], latent_dim=3, batch_size=32, epochs=3)
    whole = _events(spec, blobs)
    states = [e.state for e in whole if isinstance(e, EpochState)]
    assert [s.epoch for s in states] == [1, 2, 3] and len(states[0].history["losses"]) == 16
    # The state after epoch 1, as if read back from disk after the process died.
    state = states[0]
    resumed = _events(spec, blobs, resume=state)
    losses = [v for e in resumed if isinstance(e, BatchLosses) for v in e.values]
    assert [e.start_step for e in resumed if isinstance(e, BatchLosses)][0] == 16
    final, reference = resumed[-1], whole[-1]
    assert final.state == "done" and losses == reference.history["losses"][16:]  # exactly, not approximately
    assert final.history["losses"] == reference.history["losses"]
    assert final.history["epochs"][1:] == reference.history["epochs"][1:]
    assert all(np.array_equal(final.params[k], reference.params[k]) for k in reference.params)
    assert state.history["losses"] == reference.history["losses"][:16], "resuming left the given state alone"
    progress = [e for e in resumed if isinstance(e, Progress)]
    assert progress[0].step > 16 and progress[-1].step == 48


def test_resume_state_that_does_not_fit_fails_with_a_reason(blobs):
    spec = ModelSpec(blocks=[{"filters": 4, "kernel": 3}], latent_dim=3, batch_size=32, epochs=2)
    state = next(e.state for e in train(spec, *blobs) if isinstance(e, EpochState))
    other = ModelSpec(**{**spec.model_dump(), "latent_dim": 4})  # not model_copy: it keeps cached layers
    assert "weights do not fit" in _events(other, blobs, resume=state)[-1].error
    late = _events(spec.model_copy(update={"epochs": 1}), blobs, resume=replace(state, epoch=2))
    assert late[-1].state == "failed" and "cannot resume after epoch 2" in late[-1].error


def test_cancel_between_steps(blobs, tiny_spec):
    calls = []

    def stop() -> bool:
        calls.append(1)
        return len(calls) > 5

    events = _events(tiny_spec, blobs, should_stop=stop)
    assert events[-1] == Finished("cancelled", history=events[-1].history)
    assert sum(len(e.values) for e in events if isinstance(e, BatchLosses)) <= 5


def test_failure_is_an_event_not_an_exception(blobs, tiny_spec):
    events = _events(tiny_spec.model_copy(update={"batch_size": 1024}), blobs)
    assert isinstance(events[-1], Finished) and events[-1].state == "failed"
    assert "batch_size 1024" in events[-1].error


def test_events_import_without_jax() -> None:
    # The service dispatches on the event classes; importing them must not pull in JAX.
    code = "import aevp.ml.events, sys; assert 'jax' not in sys.modules, 'aevp.ml.events imported jax'"
    subprocess.run([sys.executable, "-c", code], check=True)
