"""A folder holding the four standard IDX files (gzipped or not), e.g. the user's own download."""

from pathlib import Path

from aevp.data.catalog import IDX_FILES, SPLITS
from aevp.data.errors import SourceError
from aevp.data.idx import IdxError, read_idx
from aevp.data.progress import Reporter
from aevp.data.verify import Splits


def _candidates(base: str) -> list[str]:
    # The original files are `train-images-idx3-ubyte`; some unpackers write `train-images.idx3-ubyte`.
    dotted = base.replace("-idx", ".idx")
    return [base + ".gz", base, dotted + ".gz", dotted]


def find_idx_files(directory: Path) -> dict[str, Path]:
    """The path of each split's IDX file in the folder; raises SourceError naming the missing ones."""
    if not directory.is_dir():
        raise SourceError(f"{directory} is not a folder")
    found: dict[str, Path] = {}
    missing = []
    for key in SPLITS:
        paths = [directory / name for name in _candidates(IDX_FILES[key])]
        existing = [path for path in paths if path.is_file()]
        if existing:
            found[key] = existing[0]
        else:
            missing.append(IDX_FILES[key] + "[.gz]")
    if missing:
        raise SourceError(f"{directory} lacks {', '.join(missing)}")
    return found


def read_idx_folder(directory: Path, reporter: Reporter, description: str) -> Splits:
    """Read and decode the four IDX files of a folder."""
    files = find_idx_files(directory)
    total = sum(path.stat().st_size for path in files.values())
    with reporter.step(description, total=total, counts_bytes=True) as step:
        arrays = []
        for key in SPLITS:
            try:
                arrays.append(read_idx(files[key]))
            except IdxError as exc:
                raise SourceError(str(exc)) from exc
            step.advance(files[key].stat().st_size)
    return Splits(*arrays)


class FolderSource:
    """The user's folder (`--from DIR`); a subfolder named after the dataset is used if there is one."""

    def __init__(self, name: str, directory: Path) -> None:
        self.name = name
        self.directory = Path(directory).expanduser()
        self.label = f"folder {self.directory}"

    def read(self, reporter: Reporter) -> tuple[Splits, str]:
        directory = self.directory
        if (directory / self.name).is_dir():
            directory = directory / self.name
        elif self.directory.is_dir():
            try:
                find_idx_files(directory)
            except SourceError as exc:
                raise SourceError(f"{exc}, and has no {self.name}/ subfolder") from exc
        splits = read_idx_folder(directory, reporter, f"{self.name}: reading IDX files from {directory}")
        return splits, f"folder {directory}"
