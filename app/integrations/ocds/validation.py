"""Offline validation of OCDS release packages against the project's copy of the schemas."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft4Validator, FormatChecker
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


# jsonschema checks formats only with optional packages installed; OCDS needs two, checked here.
FORMATS = FormatChecker(formats=())


def _date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    # RFC 3339: a date, a time and an offset (Z or ±hh:mm).
    return "T" in value.upper() and datetime.fromisoformat(value).tzinfo is not None


def _uri(value: object) -> bool:
    return not isinstance(value, str) or (bool(urlsplit(value).scheme) and " " not in value)


FORMATS.checks("date-time", raises=ValueError)(_date_time)
FORMATS.checks("uri")(_uri)


@cache
def _validator() -> Draft4Validator:
    package = _load(PACKAGE_SCHEMA)
    release = _load(RELEASE_SCHEMA)
    # The package schema names the release schema by its canonical URL: serve it from the local copy.
    registry: Registry[Any] = Registry().with_resource(
        release["id"], Resource.from_contents(release, default_specification=DRAFT4)
    )
    return Draft4Validator(package, registry=registry, format_checker=FORMATS)


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
