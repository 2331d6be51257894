"""Offline validation of OCDS release packages against the project's copy of the schemas."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

PACKAGE_SCHEMA = "release-package-schema.json"
RELEASE_SCHEMA = "release-schema-1.1.5-lots-bids-location-subcontracting.json"


@dataclass(frozen=True)
class SchemaError:
    """One violation: `field` is the dotted path inside the package (``releases[0].tender.items``)."""

    field: str
    message: str


def _load(name: str) -> dict[str, Any]:
    text = resources.files("app.integrations").joinpath("schemas", name).read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@cache
def _validator() -> Draft4Validator:
    package = _load(PACKAGE_SCHEMA)
    release = _load(RELEASE_SCHEMA)
    # The package schema names the release schema by its canonical URL: serve it from the local copy.
    registry: Registry[Any] = Registry().with_resource(
        release["id"], Resource.from_contents(release, default_specification=DRAFT4)
    )
    return Draft4Validator(package, registry=registry, format_checker=Draft4Validator.FORMAT_CHECKER)


def dotted(path: list[str | int] | tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def validate_package(package: Any) -> list[SchemaError]:
    """Every schema violation of a release package, in document order; empty when it is valid."""
    errors = sorted(_validator().iter_errors(package), key=lambda e: [str(p) for p in e.absolute_path])
    out = []
    for error in errors:
        path: list[str | int] = list(error.absolute_path)
        missing = re.match(r"'(.+)' is a required property", error.message)
        if error.validator == "required" and missing:
            # Name the missing field itself, as a form would.
            path.append(missing.group(1))
        out.append(SchemaError(dotted(path) or "(package)", error.message))
    return out
