"""Dated policy parameters, kept as data the way OpenFisca keeps legislation.

Each YAML file in a policy folder holds parameters with a description, unit, legal reference,
an optional `provisional: true` (the sources do not confirm the value), `values:` keyed by
the date each value takes effect, and optionally `references:` keyed by the same dates for a
value whose source is not the parameter's (e.g. the zero before a relief began). `value(name, on)` returns the value with the latest start on or
before `on`; a date before every start is an error, never a silent zero. Decimals in the files
are read as `Decimal`, exactly as written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from policy.refusal import Refusal

DEFAULT_POLICY_DIR = Path(__file__).with_name("parameter_files")
INDEX_FILE = "index.yaml"


class PolicyError(Refusal, ValueError):
    """A parameter is missing, malformed, or has no value on the date asked."""


class _DecimalLoader(yaml.SafeLoader):
    """Safe YAML loader that reads floats as exact `Decimal` values."""


_DecimalLoader.add_constructor(
    "tag:yaml.org,2002:float",
    lambda loader, node: Decimal(loader.construct_scalar(node)),
)


@dataclass(frozen=True)
class Parameter:
    """One policy quantity with its dated values and where it comes from."""

    name: str
    description: str
    unit: str
    reference: str
    provisional: bool
    starts: tuple[dt.date, ...]
    values: tuple[Any, ...]
    # Where one dated value has a source of its own (`references:` keyed by its start date);
    # the others go by `reference`.
    value_references: tuple[str, ...] = ()

    def reference_of(self, position: int) -> str:
        """The legal reference of the value that starts at `starts[position]`."""
        own = self.value_references[position] if self.value_references else ""
        return own or self.reference

    def at(self, on: dt.date) -> Any:
        """The value in force on `on`."""
        position = (
            int(
                np.searchsorted(
                    np.array(self.starts, dtype="datetime64[D]"),
                    np.datetime64(on, "D"),
                    side="right",
                )
            )
            - 1
        )
        if position < 0:
            raise PolicyError(f"参数 {self.name} 在 {on} 没有生效的取值（最早 {self.starts[0]}）")
        return self.values[position]

    def positions(self, dates: np.ndarray) -> np.ndarray:
        """For an array of dates, the index into `values` in force on each; -1 before the first."""
        starts = np.array(self.starts, dtype="datetime64[D]")
        return np.searchsorted(starts, dates.astype("datetime64[D]"), side="right") - 1

    def at_each(self, dates: np.ndarray, pick: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Vectorised lookup: the position in force per date, and the table of values.

        Raises when any date precedes every value. `pick` selects one key of mapping values.
        """
        positions = self.positions(dates)
        if (positions < 0).any():
            earliest = dates[positions < 0].min()
            raise PolicyError(f"参数 {self.name} 在 {earliest} 没有生效的取值")
        table = [v[pick] if pick is not None else v for v in self.values]
        return positions, np.array(table, dtype=object)


@dataclass(frozen=True)
class PolicySet:
    """All parameters of one policy folder, with the version that names them on every output."""

    version: str
    description: str
    parameters: Mapping[str, Parameter]

    def parameter(self, name: str) -> Parameter:
        try:
            return self.parameters[name]
        except KeyError as missing:
            raise PolicyError(f"参数 {name} 不存在于政策版本 {self.version}") from missing

    def value(self, name: str, on: dt.date) -> Any:
        return self.parameter(name).at(on)


@dataclass
class ParameterReads:
    """Records which parameters a programme read, so outputs can name them and flag provisionals."""

    policy: PolicySet
    used: set[str] = field(default_factory=set)

    def value(self, name: str, on: dt.date) -> Any:
        self.used.add(name)
        return self.policy.value(name, on)

    def parameter(self, name: str) -> Parameter:
        self.used.add(name)
        return self.policy.parameter(name)

    def scoped(self, namespace: str, on: dt.date) -> Callable[[str], Any]:
        """`value` of the parameters named `<namespace>.<name>`, on one date."""
        return lambda name: self.value(f"{namespace}.{name}", on)

    def provisional(self) -> list[str]:
        return sorted(n for n in self.used if self.policy.parameters[n].provisional)


def load_policy(folder: Path | str | None = None) -> PolicySet:
    """Load every parameter file of a policy folder (the packaged one by default)."""
    root = Path(folder) if folder is not None else DEFAULT_POLICY_DIR
    if not root.is_dir():
        raise PolicyError(f"政策参数目录 {root} 不存在")
    files = sorted(root.glob("*.yaml"))
    if not (root / INDEX_FILE).is_file():
        raise PolicyError(f"政策参数目录 {root} 缺少 {INDEX_FILE}")
    digest = hashlib.sha256()
    parameters: dict[str, Parameter] = {}
    index: dict[str, Any] = {}
    for path in files:
        text = path.read_bytes()
        digest.update(path.name.encode() + b"\0" + text + b"\0")
        content = yaml.load(text, Loader=_DecimalLoader) or {}
        if path.name == INDEX_FILE:
            index = content
            continue
        prefix = path.stem
        for name, spec in content.items():
            parameters[f"{prefix}.{name}"] = _parameter(f"{prefix}.{name}", spec)
    version = f"{index.get('version', 'unnamed')}+{digest.hexdigest()[:10]}"
    return PolicySet(version, str(index.get("description", "")), parameters)


def _parameter(name: str, spec: Mapping[str, Any]) -> Parameter:
    values = spec.get("values")
    if not isinstance(values, Mapping) or not values:
        raise PolicyError(f"参数 {name} 没有 values")
    dated = sorted(values.items(), key=lambda item: item[0])
    if not all(isinstance(start, dt.date) for start, _ in dated):
        raise PolicyError(f"参数 {name} 的生效日期必须是 YYYY-MM-DD")
    own = spec.get("references") or {}
    if not isinstance(own, Mapping) or not set(own) <= set(values):
        raise PolicyError(f"参数 {name} 的 references 只能按 values 中的生效日期给出出处")
    return Parameter(
        name=name,
        description=str(spec.get("description", "")),
        unit=str(spec.get("unit", "")),
        reference=str(spec.get("reference", "")),
        provisional=bool(spec.get("provisional", False)),
        starts=tuple(start for start, _ in dated),
        values=tuple(value for _, value in dated),
        value_references=tuple(str(own.get(start, "")) for start, _ in dated),
    )


def short_name(description: str) -> str:
    """A parameter's Chinese name as a clerk reads it: its description up to the first note."""
    return description.split("（")[0]


def describe(policy: PolicySet, names: Iterable[str]) -> list[dict[str, str]]:
    """Rows for the ledger's 参数 sheet: every dated value of the parameters used."""
    rows = []
    for name in sorted(names):
        parameter = policy.parameters[name]
        for position, (start, value) in enumerate(
            zip(parameter.starts, parameter.values, strict=True)
        ):
            rows.append(
                {
                    "name": name,
                    "description": parameter.description,
                    "start": start.isoformat(),
                    "value": _shown(value),
                    "unit": UNIT_NAMES.get(parameter.unit, parameter.unit),
                    "reference": parameter.reference_of(position),
                    "provisional": "是" if parameter.provisional else "否",
                }
            )
    return rows


# What a clerk reads for the units and the keys of mapped values (SPEC §4: Chinese only).
UNIT_NAMES = {
    "yuan": "元",
    "ratio": "比例",
    "ratio per day": "每日费率",
    "month": "月",
    "year": "年度",
    "person": "人",
    "date range": "日期区间",
    "text": "文字",
    "working_day": "工作日",
    "date_list": "日期",
    "year_list": "年度",
}
KEY_NAMES = {
    "sme": "中小微企业",
    "other": "大型企业",
    "excluded": "机关事业单位",
    "start": "起",
    "end": "止",
    "staff": "从业人员（人）",
    "revenue": "营业收入（万元）",
    "assets": "资产总额（万元）",
}


def _shown(value: Any) -> str:
    """A parameter value as a clerk reads it: `中小微企业: 1；大型企业: 0.5`, dates as
    YYYY-MM-DD, nested mappings in parentheses."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        parts = []
        for key, inner in value.items():
            shown = _shown(inner)
            name = KEY_NAMES.get(str(key), str(key))
            parts.append(f"{name}（{shown}）" if isinstance(inner, Mapping) else f"{name}: {shown}")
        return "；".join(parts)
    return str(value)


def changed_parameters(before: PolicySet, after: PolicySet) -> list[dict[str, str]]:
    """Each dated value that differs between two parameter sets (added, removed or changed),
    as `describe` shows values: name, description, start, value before and after, reference."""
    shown = {}
    for side, policy in (("before", before), ("after", after)):
        for row in describe(policy, policy.parameters):
            entry = shown.setdefault(
                (row["name"], row["start"]), {**row, "before": "", "after": ""}
            )
            entry[side] = row["value"]
            if side == "after":
                entry["reference"] = row["reference"]
                entry["description"] = row["description"]
    return [
        {
            key: entry[key]
            for key in ("name", "description", "start", "before", "after", "unit", "reference")
        }
        for _, entry in sorted(shown.items())
        if entry["before"] != entry["after"]
    ]
