"""Data paths classified the way the service's SDK classifies them.

Facts (databricks-genai SDK, ``databricks.model_training.api.validation``, and
the create() parameters page,
https://docs.databricks.com/aws/en/large-language-models/foundation-model-training/create-fine-tune-run):

* a path starting with ``/Volumes`` or ``/databricks`` gets ``dbfs:`` prepended;
* ``dbfs:/...`` is a Unity Catalog volume: ``dbfs:/Volumes/<catalog>/<schema>/<volume>/...``;
  chat and instruction data must be a ``.jsonl`` file there, continued
  pre-training a folder holding at least one ``.txt`` file;
* any other path with a ``/`` is a Hugging Face dataset ``<name>/<split>`` or
  ``<owner>/<name>/<split>`` (datasets with subsets are not supported);
* anything else is a Delta table ``<catalog>.<schema>.<table>``, which needs
  a ``data_prep_cluster_id``.
"""

from __future__ import annotations

from dataclasses import dataclass

VOLUME, TABLE, HF = "volume", "table", "hf"
MAX_QUOTED = 200  # characters of a user-given value quoted in a finding


def shown(value: object) -> str:
    """A user-given value for a message: quoted, control characters escaped, long ones cut."""
    text = repr(str(value))
    return text if len(text) <= MAX_QUOTED else text[:MAX_QUOTED] + "…'"


@dataclass(frozen=True)
class DataPath:
    """One data path as the service will read it.

    ``formatted`` is the path after the SDK's ``dbfs:`` prefixing; ``kind`` is
    ``volume``, ``table`` or ``hf``; ``parts`` its components (volume path
    components after ``Volumes``, table name parts, HF name parts).
    """

    given: str
    formatted: str
    kind: str
    parts: tuple[str, ...]

    @property
    def volume_relative(self) -> str:
        """A volume path below ``/Volumes/`` (``catalog/schema/volume/...``)."""
        return "/".join(self.parts)

    @property
    def hf_name(self) -> str:
        """A Hugging Face dataset's repository name (without the split)."""
        return "/".join(self.parts[:-1])

    @property
    def hf_split(self) -> str:
        """A Hugging Face dataset's split."""
        return self.parts[-1]


def format_path(path: str) -> str:
    """The path as the SDK submits it: ``/Volumes/...`` -> ``dbfs:/Volumes/...``."""
    if path.startswith(("/Volumes", "/databricks")):
        return "dbfs:" + path
    return path


def classify(path: str) -> DataPath:
    """Which kind of input the service takes ``path`` for (never raises)."""
    formatted = format_path(path.strip())
    if formatted.startswith("dbfs:/"):
        body = formatted[len("dbfs:/") :].rstrip("/")
        parts = tuple(body.split("/")[1:]) if body.split("/")[0] == "Volumes" else ()
        return DataPath(path, formatted, VOLUME, parts)
    if "/" in formatted:
        return DataPath(path, formatted, HF, tuple(formatted.split("/")))
    return DataPath(path, formatted, TABLE, tuple(formatted.split(".")))


def form_problems(data: DataPath, task: str | None) -> list[str]:
    """Why the service refuses ``data`` for ``task`` (chat/instruction/pretraining); [] if fine.

    ``task`` None (an unknown task type) checks only what holds for every task.
    """
    if data.kind == VOLUME:
        return _volume_problems(data, task)
    if task == "pretraining":
        return [
            f"{data.given!r}: continued pre-training reads a folder in a Unity Catalog "
            "volume (dbfs:/Volumes/<catalog>/<schema>/<volume>/...), not a "
            f"{'Delta table' if data.kind == TABLE else 'Hugging Face dataset'}"
        ]
    if data.kind == TABLE:
        if len(data.parts) != 3 or not all(p.strip() for p in data.parts):
            return [
                f"{data.given!r} is neither a volume path nor a Hugging Face dataset, and "
                "not a Delta table <catalog>.<schema>.<table> (three non-empty parts)"
            ]
        return []
    return _hf_problems(data)


def _volume_problems(data: DataPath, task: str | None) -> list[str]:
    if not data.parts or not data.formatted.startswith("dbfs:/Volumes/"):
        return [
            f"{data.given!r}: only Unity Catalog volumes are accepted among dbfs: paths "
            "(dbfs:/Volumes/<catalog>/<schema>/<volume>/...)"
        ]
    if len(data.parts) < 3 or not all(data.parts[:3]):
        return [
            f"{data.given!r}: a volume path needs catalog, schema and volume "
            "(dbfs:/Volumes/<catalog>/<schema>/<volume>/...)"
        ]
    if task in ("chat", "instruction"):
        if not data.formatted.endswith(".jsonl"):
            return [
                f"{data.given!r}: Unity Catalog input for chat and instruction fine-tuning "
                "must be a .jsonl file"
            ]
        if len(data.parts) < 4:
            return [
                f"{data.given!r}: the .jsonl file must be inside the volume "
                "(dbfs:/Volumes/<catalog>/<schema>/<volume>/<file>.jsonl)"
            ]
    return []


def _hf_problems(data: DataPath) -> list[str]:
    if "://" in data.formatted or data.formatted.startswith(("/", "./", "../", "~")):
        return [
            f"{data.given!r} is not a form the service reads: use a Unity Catalog volume "
            "(dbfs:/Volumes/...), a Delta table <catalog>.<schema>.<table> or a Hugging "
            "Face dataset <name>/<split>"
        ]
    if not all(p.strip() for p in data.parts):
        return [
            f"{data.given!r}: a Hugging Face dataset path has no empty component "
            "(<name>/<split> or <owner>/<name>/<split>)"
        ]
    if len(data.parts) > 3:
        return [
            f"{data.given!r}: Hugging Face datasets are given as <name>/<split> or "
            "<owner>/<name>/<split>; datasets with subsets are not supported"
        ]
    return []
