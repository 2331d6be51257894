"""The JSON Schema of each form's JSON, shipped as files (`{form}.schema.json`) and served by the API.

`write()` writes them again from the form models (after a change of a model); a test checks that the
shipped files are those the models give.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from app.integrations.forms_models import FORM_MODELS


def generated(name: str) -> dict[str, Any]:
    schema = FORM_MODELS[name].model_json_schema(mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"planner:forms/{name}",
    } | schema


@cache
def form_schema(name: str) -> dict[str, Any]:
    text = resources.files(__package__).joinpath(f"{name}.schema.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def write() -> None:
    folder = Path(__file__).parent
    for name in FORM_MODELS:
        text = json.dumps(generated(name), ensure_ascii=False, indent=2) + "\n"
        (folder / f"{name}.schema.json").write_text(text, encoding="utf-8")
