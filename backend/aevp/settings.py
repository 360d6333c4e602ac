"""One settings object for the whole backend, read from AEVP_* environment variables."""

from functools import cached_property
from pathlib import Path

from platformdirs import user_cache_dir, user_data_dir
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PRETRAINED_DIR = Path(__file__).parent / "pretrained"
# backend/aevp/settings.py -> the repository root (only meaningful in a source checkout).
REPO_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    """Paths and limits; every field can be set as AEVP_<FIELD> (e.g. AEVP_DATA_DIR)."""

    model_config = SettingsConfigDict(env_prefix="AEVP_", extra="ignore")

    data_dir: Path = Field(default_factory=lambda: Path(user_cache_dir("aevp")) / "data")
    models_dir: Path = Field(default_factory=lambda: Path(user_data_dir("aevp")) / "models")
    pretrained_dir: Path = PRETRAINED_DIR
    # t-SNE and UMAP maps, kept so that a restart does not recompute them (the pretrained folder is read-only).
    maps_dir: Path = Field(default_factory=lambda: Path(user_cache_dir("aevp")) / "maps")
    cors_origins: list[str] = ["http://localhost:5173", "http://127.0.0.1:5173"]
    # Jobs training at once: threads of this process, or with Ray jobs on the whole cluster (1 CPU each).
    max_concurrent_jobs: int = Field(default=1, ge=1, le=64)
    # A Ray cluster to train on (`host:port` of its head; this machine must run a node of it, see the README's
    # "Training on a Ray cluster"); empty: jobs train in this process.
    ray_address: str = ""
    # Sweeps queued or running at once (each is up to 64 jobs); more are answered 429.
    max_active_sweeps: int = Field(default=2, ge=1, le=100)
    max_queued_jobs: int = Field(default=8, ge=0, le=100)
    # Job records (SQLite) and the jobs' resumable epoch checkpoints, kept across restarts.
    state_dir: Path = Field(default_factory=lambda: Path(user_data_dir("aevp")) / "state")
    # Jobs one client (IP address) may have waiting in the queue; more are answered 429.
    max_queued_jobs_per_client: int = Field(default=2, ge=1, le=100)
    # A job that would train more batches than this is refused at submit (422): fewer epochs or bigger batches.
    max_job_steps: int = Field(default=100_000, ge=1)
    # A job that trains longer than this (in total, resumes included) stops and ends as failed.
    max_job_seconds: float = Field(default=4 * 3600, gt=0)
    # Finished (done, cancelled, failed) and interrupted jobs kept with their history; older ones are deleted.
    max_finished_jobs: int = Field(default=200, ge=1)
    # A job stream sends at most this many losses per message (its history comes in chunks of this size).
    job_stream_chunk: int = Field(default=10_000, ge=100)
    # WebSockets open at once, in all and from one client (IP address); more are told why and closed (1013).
    max_ws_clients: int = Field(default=1000, ge=1)
    max_ws_per_client: int = Field(default=128, ge=1)
    # An explore socket without a request (a latent-map stream without news) this long is closed with a message.
    ws_idle_timeout_s: float = Field(default=600.0, gt=0)
    # REST explore, decode and walks per client: this many a second on average, bursts up to rate_burst (429).
    rate_per_s: float = Field(default=20.0, gt=0)
    rate_burst: int = Field(default=40, ge=1)
    # Explore/decode/walk requests running or waiting for the model at once; more are answered "busy" (503).
    max_interactive_pending: int = Field(default=100, ge=1)
    # Explore and decode run in a child process (its own XLA thread pool: training never delays them); off, in
    # the server's own threads. Requests arriving within `explore_batch_window_ms` of the first are computed as
    # one batch.
    interactive_process: bool = True
    explore_batch_window_ms: float = Field(default=1.5, ge=0, le=50)
    # Host names the server answers besides localhost/127.0.0.1/[::1] (comma-separated; `*`: any).
    allowed_hosts: str = ""
    # The access token; required beyond loopback (`aevp serve --host 0.0.0.0` makes one when unset).
    token: SecretStr = SecretStr("")
    # The address an access link names (e.g. http://lab.example.org:8080 behind a proxy); default the bound host.
    public_url: str = ""
    # Proxies whose X-Forwarded-For names the client (uvicorn's forwarded_allow_ips; `*` behind compose's nginx).
    forwarded_allow_ips: str = "127.0.0.1"
    max_upload_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)
    # A request for an unknown model id rescans the model folders at most this often (made-up ids cost no scan).
    rescan_interval_s: float = Field(default=2.0, ge=0)
    # Start-up deletes a crash's `.tmp-*` leftovers older than this from the models and maps folders.
    leftover_age_s: float = Field(default=60.0, ge=0)
    host: str = "127.0.0.1"
    port: int = 8000
    # Service (aevp.service). The built frontend served at `/` by `aevp serve` when the folder exists.
    frontend_dir: Path | None = Field(default_factory=lambda: REPO_ROOT / "frontend" / "dist")
    # JSON request bodies are small (an image is 784 numbers); uploads have their own limit above.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # Loss values reach WebSocket clients in batches this often (snapshots: as often as training makes them).
    stream_interval_s: float = Field(default=0.1, gt=0, le=5)
    # A client whose socket accepts nothing for this long is dropped (it never slows training either way).
    ws_send_timeout_s: float = Field(default=30.0, gt=0)
    # Load and compile every known model at start-up before /api/health reports ready.
    warm_models: bool = True
    # Imports of users' images (`aevp data import`, POST /api/datasets); anything over a limit is refused.
    import_max_images: int = Field(default=100_000, ge=2)  # images in one import
    import_max_bytes: int = Field(default=256 * 1024 * 1024, ge=1024)  # the archive, and its contents expanded
    import_max_classes: int = Field(default=1000, ge=1, le=65536)  # class folders (labels are 16-bit at most)
    import_max_pixels: int = Field(default=4096 * 4096, ge=1)  # one image's width x height, checked before decoding
    import_max_ratio: int = Field(default=100, ge=2)  # how much one zip member or .gz may expand (past 1 MiB)

    @cached_property
    def model_dirs(self) -> tuple[Path, ...]:
        """Where models are looked up: the user's own first, then the shipped pretrained ones."""
        return (self.models_dir, self.pretrained_dir)
