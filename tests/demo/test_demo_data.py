"""The shipped demo data is the public data, with its illustrative additions marked and reproducible."""

from __future__ import annotations

import csv
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from app.demo import colleges, communes, structures
from solver.reference import sector_slugs
from tests.demo.source_data import REPO, SOURCE_DATA, source_rows

DATA = resources.files("app.demo").joinpath("data")
SHIPPED = (
    "communes_93.csv",
    "colleges_93.csv",
    "colleges_93_needs_illustrative.csv",
    "siae_93.csv",
    "siae_93_illustrative.csv",
)


def test_the_130_colleges_have_the_public_uai_and_coordinates() -> None:
    public = {
        row["uai"]: (float(row["lat"]), float(row["lon"])) for row in source_rows("colleges_publics_93.csv")
    }
    shipped = {c.uai: (c.lat, c.lon) for c in colleges()}
    assert len(shipped) == 130
    assert shipped == public


def test_the_81_structures_have_the_public_siret_and_kind_pairs() -> None:
    public = sorted((row["siret"], row["kind"]) for row in source_rows("siae_93.csv"))
    shipped = sorted((s.siret, s.kind) for s in structures())
    assert len(shipped) == 81
    assert shipped == public
    assert len({s.id for s in structures()}) == 81


def test_a_siret_holding_two_conventions_is_two_structures() -> None:
    by_siret: dict[str, set[str]] = {}
    for s in structures():
        by_siret.setdefault(s.siret, set()).add(s.kind)
    assert {siret: kinds for siret, kinds in by_siret.items() if len(kinds) > 1} == {
        "39281437200034": {"ACI", "EI"},
        "41920613100031": {"ACI", "EI"},
        "79931299600041": {"EI", "ETTI"},
    }


def test_a_name_with_a_quoted_comma_is_read_whole() -> None:
    public = {(row["siret"], row["kind"]): row["name"] for row in source_rows("siae_93.csv")}
    assert {(s.siret, s.kind): s.name for s in structures()} == {
        k: " ".join(v.split()) for k, v in public.items()
    }
    assert any("," in name for name in public.values())


def test_the_40_communes_keep_their_ept() -> None:
    public = {row["insee"]: row["ept"] for row in source_rows("communes_93.csv")}
    shipped = {c.insee: c.ept for c in communes()}
    assert len(shipped) == 40
    assert shipped == public
    assert set(shipped.values()) == {
        "Est Ensemble",
        "Grand Paris Grand Est",
        "Paris Terres d'Envol",
        "Plaine Commune",
    }


def test_pierrefitte_is_kept_and_marked_as_merged_into_saint_denis() -> None:
    by_name = {c.name: c for c in communes()}
    assert by_name["Pierrefitte-sur-Seine"].merged_into == by_name["Saint-Denis"].insee
    assert by_name["Pierrefitte-sur-Seine"].ept == by_name["Saint-Denis"].ept
    assert [c.name for c in communes() if c.merged_into] == ["Pierrefitte-sur-Seine"]
    assert any(c.commune_insee == by_name["Pierrefitte-sur-Seine"].insee for c in colleges())


def test_every_college_and_structure_lies_in_its_communes_territory() -> None:
    ept = {c.insee: c.ept for c in communes()}
    for college in colleges():
        assert college.territory == ept[college.commune_insee], college.uai
    for s in structures():
        assert s.territory == ept[s.commune_insee], s.id
        postcodes = next(c.postcodes for c in communes() if c.insee == s.commune_insee)
        assert s.postcode in postcodes, s.id


def test_regies_de_quartier_carry_the_label() -> None:
    labelled = {s.id for s in structures() if "regie-de-quartier" in s.labels}
    by_name = {s.id for s in structures() if "REGIE" in f"{s.name} {s.brand}".upper().replace("É", "E")}
    assert labelled == by_name
    assert len(labelled) >= 9


@pytest.mark.parametrize(
    ("kind", "low", "high"),
    [("EI", 0.5e6, 3e6), ("ACI", 0.3e6, 1.5e6), ("AI", 0.5e6, 2e6), ("ETTI", 1e6, 4e6)],
)
def test_illustrative_turnover_is_typical_of_the_kind(kind: str, low: float, high: float) -> None:
    of_kind = [s for s in structures() if s.kind == kind]
    assert of_kind
    for s in of_kind:
        assert low <= s.annual_turnover_eur <= high, s.id
        assert s.insertion_fte > 0, s.id


def test_illustrative_capacities_use_trade_slugs_and_fit_the_insertion_fte() -> None:
    for s in structures():
        assert s.capacities, s.id
        assert set(s.capacities) <= sector_slugs(), s.id
        # About 1,200 usable hours per insertion FTE and year, split among the trades.
        assert sum(s.capacities.values()) == pytest.approx(s.insertion_fte * 1200, rel=0.01), s.id


def test_illustrative_files_say_so_on_every_row() -> None:
    for name in ("colleges_93_needs_illustrative.csv", "siae_93_illustrative.csv"):
        lines = DATA.joinpath(name).read_text(encoding="utf-8").splitlines()
        header = lines[0].split(",")
        assert header[-1] == "illustrative"
        assert all(line.endswith(",yes") for line in lines[1:]), name
    readme = DATA.joinpath("README.md").read_text(encoding="utf-8")
    for name in SHIPPED:
        assert f"`{name}`" in readme, name
    assert "illustrative" in readme.lower()
    assert "Licence Ouverte" in readme


def test_rerunning_the_derivation_reproduces_the_shipped_files(tmp_path: Path) -> None:
    script = REPO / "scripts" / "derive_demo_data.py"
    run = subprocess.run(
        [sys.executable, str(script), str(SOURCE_DATA), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(SHIPPED)
    for name in SHIPPED:
        assert (tmp_path / name).read_bytes() == DATA.joinpath(name).read_bytes(), name


def test_the_derivation_names_a_missing_source(tmp_path: Path) -> None:
    script = REPO / "scripts" / "derive_demo_data.py"
    run = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "nowhere"), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2
    assert "nowhere" in run.stderr and "seine-saint-denis" in run.stderr
    assert "Traceback" not in run.stderr


def test_a_name_spread_over_two_lines_is_read_as_one_structure(tmp_path: Path) -> None:
    source = tmp_path / "source" / "seine-saint-denis"
    source.mkdir(parents=True)
    for name in ("communes_93.csv", "colleges_publics_93.csv"):
        (source / name).write_bytes((SOURCE_DATA / "seine-saint-denis" / name).read_bytes())
    (source / "siae_93.csv").write_text(
        "siret,name,brand,kind,naf,legal_form,address,postcode,city,lat,lon\n"
        '82200166500030,"ACCES,\nINCLUSIVE TECH",,EI,6202A,,1 rue X,93210,Saint-Denis,48.9,2.35\n'
        "50980445600010,MENAGE ET PROPRETE,,EI,8122Z,,2 rue Y,93600,Aulnay-sous-Bois,48.9,2.49\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    script = REPO / "scripts" / "derive_demo_data.py"
    run = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "source"), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    with (out / "siae_93.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["siret"], r["name"], r["commune"]) for r in rows] == [
        ("50980445600010", "MENAGE ET PROPRETE", "Aulnay-sous-Bois"),
        ("82200166500030", "ACCES, INCLUSIVE TECH", "Saint-Denis"),
    ]


def test_a_legal_entity_has_one_legal_form_read_from_the_published_column_where_there_is_one() -> None:
    by_siren: dict[str, set[str]] = {}
    for s in structures():
        by_siren.setdefault(s.siren, set()).add(s.legal_form)
        assert s.legal_form in ("association", "company", "public"), s.id
    assert {siren: forms for siren, forms in by_siren.items() if len(forms) > 1} == {}
    published = {(row["siret"], row["kind"]): row["legal_form"] for row in source_rows("siae_93.csv")}
    for s in structures():
        if published[(s.siret, s.kind)] == "SARL":
            assert (s.legal_form, s.legal_form_basis) == ("company", "source:SARL"), s.id
    # An AI is an association by law (Code du travail L5132-7).
    assert {s.legal_form for s in structures() if s.kind == "AI"} == {"association"}
    # The régie de quartier of Tremblay holds an EI and an ACI convention: one association.
    assert {(s.kind, s.legal_form) for s in structures() if s.siret == "39281437200034"} == {
        ("EI", "association"),
        ("ACI", "association"),
    }


def test_illustrative_law_figures_belong_to_their_kinds() -> None:
    for s in structures():
        assert 0 < s.insertion_rate <= 1, s.id
        if s.kind == "ACI":
            assert s.annual_charges_eur is not None and s.commercial_revenue_eur is not None, s.id
            # Below the 30 % of charges of Code du travail D5132-34 before any tender.
            assert s.commercial_revenue_eur < 0.3 * s.annual_charges_eur, s.id
        else:
            assert (s.annual_charges_eur, s.commercial_revenue_eur) == (None, None), s.id
        if s.kind in ("AI", "ETTI"):
            assert s.mad_rate_eur_per_hour is not None and 15 <= s.mad_rate_eur_per_hour <= 30, s.id
            assert s.mad_staff is not None and s.mad_staff >= s.insertion_fte, s.id
            assert s.insertion_rate == 1.0, s.id
        else:
            assert (s.mad_rate_eur_per_hour, s.mad_staff) == (None, None), s.id
    readme = DATA.joinpath("README.md").read_text(encoding="utf-8")
    for column in (
        "legal_form",
        "insertion_rate",
        "annual_charges_eur",
        "mad_rate_eur_per_hour",
        "mad_staff",
    ):
        assert f"`{column}`" in readme, column
