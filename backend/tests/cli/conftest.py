import pytest


@pytest.fixture
def env(tmp_path, monkeypatch):
    """Models, pretrained models and the data cache in a temporary folder, offline."""
    monkeypatch.setenv("AEVP_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("AEVP_PRETRAINED_DIR", str(tmp_path / "pretrained"))
    monkeypatch.setenv("AEVP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("AEVP_DATA_OFFLINE", "1")
    return tmp_path
