"""Offline validation of OCDS release packages against the project's copy of the schemas."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

import jsonschema_rs

PACKAGE_SCHEMA = "release-package-schema.json"
RELEASE_SCHEMA = "release-schema-1.1.5-lots-bids-location-subcontracting.json"
# Applied to the release schema above when the validator is built: JSON merge patches of extensions the
# export declares (European Union, for `leadTenderer`) whose copies are shipped in `schemas/extensions`.
EXTENSION_PATCHES = ("extensions/eu/release-schema.json",)


@dataclass(frozen=True)
class SchemaError:
    """One violation: `field` is the dotted path inside the package (``releases[0].tender.items``)."""

    field: str
    message: str


def _load(name: str) -> dict[str, Any]:
    text = (
        resources.files("app.integrations").joinpath("schemas", *name.split("/")).read_text(encoding="utf-8")
    )
    data: dict[str, Any] = json.loads(text)
    return data


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch, as OCDS applies an extension's release-schema.json to the schema."""
    if not isinstance(patch, dict):
        return patch
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def release_schema() -> dict[str, Any]:
    """The release schema with every declared extension merged."""
    schema = _load(RELEASE_SCHEMA)
    for name in EXTENSION_PATCHES:
        schema = merge_patch(schema, _load(name))
    return schema


def _date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    # RFC 3339: a date, a time and an offset (Z or ±hh:mm).
    try:
        return "T" in value.upper() and datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


def _uri(value: object) -> bool:
    return not isinstance(value, str) or (bool(urlsplit(value).scheme) and " " not in value)


@cache
def _validator() -> jsonschema_rs.Draft4Validator:
    """jsonschema-rs: linear in the package's size (100 000 items in about two seconds), where the
    pure-Python validator compares `uniqueItems` arrays pairwise."""
    package = _load(PACKAGE_SCHEMA)
    release = release_schema()
    # The package schema names the release schema by its canonical URL: served from the local copy.
    registry = jsonschema_rs.Registry([(release["id"], release)])
    return jsonschema_rs.Draft4Validator(
        package,
        registry=registry,
        formats={"date-time": _date_time, "uri": _uri},
        validate_formats=True,
        offline=True,
    )


def dotted(path: list[str | int] | tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


MAX_MESSAGE = 300


def _message(error: jsonschema_rs.ValidationError) -> str:
    if isinstance(error.kind, jsonschema_rs.ValidationErrorKind.UniqueItems):
        return "has non-unique elements: two entries are identical"
    message = str(error.message)
    # A message quotes the offending value, which may be a whole array of items.
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 1] + "…"


def validate_package(package: Any) -> list[SchemaError]:
    """Every schema violation of a release package, in document order; empty when it is valid."""
    errors = sorted(_validator().iter_errors(package), key=lambda e: [str(p) for p in e.instance_path])
    out = []
    for error in errors:
        path: list[str | int] = list(error.instance_path)
        if isinstance(error.kind, jsonschema_rs.ValidationErrorKind.Required):
            # Name the missing field itself, as a form would.
            path.append(str(error.kind.property))
        out.append(SchemaError(dotted(path) or "(package)", _message(error)))
    return out
