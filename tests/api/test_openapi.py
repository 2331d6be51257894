"""The OpenAPI document names the fields a back-office needs for a groupement as the law reads it."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def properties(schemas: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = schemas[name]["properties"]
    return found


def enum_of(schemas: dict[str, Any], prop: dict[str, Any]) -> set[str]:
    """The values a property allows, through `$ref`, `anyOf` (nullable) and `enum`/`const`."""
    if "$ref" in prop:
        return enum_of(schemas, schemas[prop["$ref"].rsplit("/", 1)[-1]])
    if "anyOf" in prop:
        return set().union(*(enum_of(schemas, p) for p in prop["anyOf"]))
    if "enum" in prop:
        return set(prop["enum"])
    return {prop["const"]} if "const" in prop else set()


def test_openapi_documents_the_legal_fields(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    structure = properties(schemas, "StructureCreate")
    for field in (
        "legal_form",
        "insertion_rate",
        "annual_charges_eur",
        "commercial_revenue_eur",
        "aci_cap_rate",
        "mad_rate_eur_per_hour",
        "mad_staff",
    ):
        assert field in structure, field
    assert enum_of(schemas, structure["legal_form"]) == {"association", "company", "public"}
    assert enum_of(schemas, structure["kind"]) >= {"EATT", "SEP"}
    assert "siren" in properties(schemas, "StructurePublic")
    lot = properties(schemas, "LotCreate")
    assert enum_of(schemas, lot["kind"]) == {"works", "services", "supplies", "staffing"}
    assert enum_of(schemas, lot["reserved"]) == {"siae", "handicap", "both"}
    assert {"insertion_hours", "essential"} <= set(lot)
    options = properties(schemas, "Options")
    assert "aci_max_dependence" not in options
    assert enum_of(schemas, options["groupement_form"]) == {
        "conjoint",
        "conjoint_mandataire_solidaire",
        "solidaire",
    }
    assert "staffing" in properties(schemas, "Weights")
    assert enum_of(schemas, properties(schemas, "ReplanRequest")["mode"]) == {
        "before_submission",
        "after_award",
    }
