"""Reading directory CSV files: the three column sets, separators, quoting, and bad rows."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.integrations.directory_csv import CsvFormatError, decode, parse_directory

SIAE_93 = Path(__file__).parent / "data" / "siae_93.csv"


def test_siae_93_file_reads_into_81_structures() -> None:
    directory = parse_directory(decode(SIAE_93.read_bytes()))
    assert directory.delimiter == ","
    assert directory.ignored == ["brand", "naf"]
    assert len(directory.rows) == 81
    assert [r.line for r in directory.rows if r.errors] == []
    by_siret = {(r.fields["siret"], r.fields["kind"]): r for r in directory.rows}
    assert len(by_siret) == 81  # three SIRETs hold two kinds each
    comma = by_siret[("82200166500030", "EI")]
    assert comma.fields["name"] == "ACCES, INCLUSIVE TECH"
    assert comma.fields["commune_insee"] == "93066"
    assert comma.fields["territory"] == "Plaine Commune"
    assert (comma.fields["lat"], comma.fields["lon"]) == (48.906927, 2.35801)
    assert sorted(r.fields["kind"] for r in directory.rows).count("AI") == 5
    # The published legal form is read where the file gives one (three SARL).
    forms = {r.fields["name"]: r.fields["legal_form"] for r in directory.rows if "legal_form" in r.fields}
    assert forms == {
        "LA COLLECTERIE": "company",
        "INITIATIVES SOLIDAIRES": "company",
        "BALUCHON A TABLE CITOYENS": "company",
    }


def test_asp_columns_semicolons_and_decimal_commas() -> None:
    text = (
        "MESURE;SIRET;DENOMINATION_SOCIALE;ENSEIGNE;CODE_POSTAL;COMMUNE;LATITUDE;LONGITUDE\n"
        "ACI_DC;349 804 138 00049;JADE;;93120;La Courneuve;48,924896;2,414678\n"
        'AI_DC;38238754600023;"Assoc; ""Emmaüs""\nAlternatives";;93100;Montreuil;;\n'
    )
    directory = parse_directory(text)
    assert directory.delimiter == ";"
    assert directory.ignored == ["ENSEIGNE"]
    first, second = directory.rows
    assert first.fields["kind"] == "ACI" and first.fields["siret"] == "34980413800049"
    assert (first.fields["lat"], first.fields["lon"]) == (48.924896, 2.414678)
    assert first.fields["territory"] == "Plaine Commune"
    assert second.fields["name"] == 'Assoc; "Emmaüs"\nAlternatives'
    assert second.fields["kind"] == "AI"
    # No coordinates: placed at the centre of its commune.
    assert second.fields["commune_insee"] == "93048"
    assert "lat" not in second.fields
    assert round(second.defaults["lat"], 3) == 48.864


def test_own_columns_with_capacities_and_labels() -> None:
    text = (
        "siret,kind,name,labels,lat,lon,annual_turnover_eur,can_lead,capacities\n"
        "80746931700018,EI,Peinture Est,regie-de-quartier,48.88,2.43,750000,oui,"
        "peinture-revetement-des-murs:3000|nettoyage-de-locaux-16:1200.5\n"
    )
    (row,) = parse_directory(text).rows
    assert row.errors == []
    assert row.fields["labels"] == ["regie-de-quartier"]
    assert row.fields["can_lead"] is True
    assert row.fields["capacities"] == {
        "peinture-revetement-des-murs": 3000,
        "nettoyage-de-locaux-16": 1200.5,
    }


def test_numbers_are_read_as_french_spreadsheets_write_them_and_nothing_else() -> None:
    # thousands apart by a narrow no-break space (as LibreOffice writes them), a decimal comma; `nan`,
    # `inf` and `1e3` are no turnover a person wrote
    text = (
        "siret;kind;name;lat;lon;annual_turnover_eur;capacities\n"
        "80746931700018;EI;Peinture Est;48,88;2,43;1\u202f234\u202f567,5;"
        "peinture-revetement-des-murs:3\u00a0000\n"
        "80746931700018;ACI;Nan;48,88;2,43;nan;\n"
        "80746931700018;EITI;Inf;48,88;2,43;inf;\n"
        "80746931700018;AI;Exp;48,88;2,43;1e3;\n"
    )
    good, *bad = parse_directory(text).rows
    assert good.errors == []
    assert good.fields["annual_turnover_eur"] == 1234567.5 and good.fields["lat"] == 48.88
    assert good.fields["capacities"] == {"peinture-revetement-des-murs": 3000}
    assert [r.errors for r in bad] == [
        [("annual_turnover_eur", f"not a number: {typed!r} (write it as 1 234,5 or 1234.5)")]
        for typed in ("nan", "inf", "1e3")
    ]


def test_bad_rows_are_named_and_the_good_ones_kept() -> None:
    text = (
        "siret,kind,name,lat,lon,can_lead\n"
        "80746931700018,EI,Good,48.88,2.43,no\n"
        ",EI,No siret,48.88,2.43,no\n"
        "80746931700018,ACI,Bad lat,north,2.43,peut-être\n"
    )
    rows = parse_directory(text).rows
    assert [(r.line, r.errors) for r in rows] == [
        (2, []),
        (3, [("siret", "required: identifies the structure with the other of siret/kind")]),
        (
            4,
            [
                ("lat", "not a number: 'north' (write it as 1 234,5 or 1234.5)"),
                ("can_lead", "'peut-être' is not a yes/no value"),
            ],
        ),
    ]


def test_a_multiline_quoted_field_keeps_line_numbers_right() -> None:
    text = 'siret,kind,name\n1,EI,"two\nlines"\n2,,x\n'
    rows = parse_directory(text).rows
    assert [r.line for r in rows] == [2, 4]
    assert rows[1].errors[0][0] == "kind"


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        (b"", "body", "empty"),
        (b"nom;ville\nA;B\n", "header", "no siret column"),
        ("siret,kind,name\n1,EI,Régie\n".encode("latin-1"), "body", "not UTF-8"),
    ],
)
def test_unreadable_files_say_why(body: bytes, field: str, reason: str) -> None:
    with pytest.raises(CsvFormatError) as caught:
        parse_directory(decode(body))
    assert caught.value.field == field
    assert reason in caught.value.reason


names = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")) | st.sampled_from(',;"\n'),
    min_size=1,
    max_size=40,
).filter(lambda n: n.strip() == n and n.strip())


@settings(max_examples=60, deadline=None)
@given(st.lists(names, min_size=1, max_size=5), st.sampled_from([",", ";"]))
def test_any_name_written_by_a_spreadsheet_reads_back(rows: list[str], delimiter: str) -> None:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(["siret", "kind", "name", "lat", "lon"])
    for name in rows:
        writer.writerow(["80746931700018", "EI", name, "48.9", "2.4"])
    directory = parse_directory(out.getvalue())
    assert directory.delimiter == delimiter
    assert [r.fields["name"] for r in directory.rows] == rows


def test_legal_entity_columns_in_french_and_as_fields() -> None:
    text = (
        "siret;kind;name;forme_juridique;taux_insertion;charges_annuelles;recettes_commerciales;"
        "plafond_recettes_aci;tarif_horaire_mad;salaries_mad\n"
        "39281437200034;ACI;Régie de Quartier Tremblay;Association loi 1901;80 %;900 000;120 000,5;0,5;;\n"
        "50983553400017;AI;ASSOC AI;association;1;;;;21,5;40\n"
        "40101593800061;ETTI;HUMANDO;SAS;;;;;26;12\n"
        "21930077000016;ACI;Chantier de la ville;Commune;0,85;;;;;\n"
    )
    directory = parse_directory(text)
    assert [r.errors for r in directory.rows] == [[], [], [], []]
    aci, ai, etti, town = (r.fields for r in directory.rows)
    assert aci["legal_form"] == "association"
    assert (aci["insertion_rate"], aci["annual_charges_eur"], aci["commercial_revenue_eur"]) == (
        0.8,
        900000,
        120000.5,
    )
    assert aci["aci_cap_rate"] == 0.5
    assert (ai["legal_form"], ai["insertion_rate"], ai["mad_rate_eur_per_hour"], ai["mad_staff"]) == (
        "association",
        1,
        21.5,
        40,
    )
    assert (etti["legal_form"], etti["mad_staff"]) == ("company", 12)
    assert (town["legal_form"], town["insertion_rate"]) == ("public", 0.85)


def test_unknown_legal_form_and_bad_rate_are_named_on_their_row() -> None:
    text = (
        "siret,kind,name,legal_form,insertion_rate\n"
        "39281437200034,ACI,Régie,GIE,0.8\n"
        "50983553400017,AI,AI,association,beaucoup\n"
    )
    first, second = parse_directory(text).rows
    assert [field for field, _ in first.errors] == ["legal_form"]
    assert "GIE" in first.errors[0][1] and "association, company or public" in first.errors[0][1]
    assert [field for field, _ in second.errors] == ["insertion_rate"]
