"""The candidature file of a demo scenario's best grouping, written beside its plan with `--out`:
DC1, DC2, DC4, the répartition annex and the mise à disposition summaries, each as PDF and JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from app.demo.run import ScenarioPlan
from app.integrations import forms, groupings
from app.integrations.forms_models import FormBase
from app.integrations.forms_pdf import form_pdf

DOCUMENTS = {
    "dc1": forms.dc1,
    "dc2": forms.dc2s,
    "dc4": forms.dc4s,
    "annexe-repartition": forms.annex,
    "mise-a-disposition": forms.mad_summaries,
}


def write_forms(engine: Engine, network_id: int, out: Path, planned: ScenarioPlan) -> list[Path]:
    """`NAME.dc1.pdf` and `NAME.dc1.json`, and so on, for the grouping of rank 1; none without one."""
    if planned.plan is None or not planned.plan.groupings:
        return []
    with Session(engine) as session:
        context = groupings.of_plan(session, network_id, planned.plan_id, planned.plan.groupings[0].rank)
    data = context.form_input()
    written = []
    for name, build in DOCUMENTS.items():
        result: Any = build(data)
        documents: list[FormBase] = result if isinstance(result, list) else [result]
        if not documents and name == "mise-a-disposition":
            continue
        json_path = out / f"{planned.name}.{name}.json"
        payload = (
            [d.model_dump(mode="json") for d in documents]
            if isinstance(result, list)
            else result.model_dump(mode="json")
        )
        json_path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        pdf_path = out / f"{planned.name}.{name}.pdf"
        pdf_path.write_bytes(form_pdf(documents, title=name.upper()))
        written += [pdf_path, json_path]
    return written
