"""Back-office routes: the directory CSV import, OCDS import and export of tenders."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request, Response
from pydantic import BaseModel, Field, ValidationError
from pydantic_core import to_json

from app.core.cancel import CancelCheck, run_cancellable
from app.core.deps import CallerDep, ResourceId, SessionDep, WriterDep
from app.core.errors import FieldError, InvalidInput, Problem, ProblemError
from app.integrations import directory_csv, forms_routes
from app.integrations.directory_import import ImportReport, import_directory
from app.integrations.ocds import OcdsImportError
from app.integrations.ocds.importer import read_package
from app.integrations.ocds_service import tender_package
from app.integrations.webhooks import routes as webhook_routes
from app.tenders import service as tenders
from app.tenders.schemas import TenderCreate, TenderPublic
from solver.reference import sector_slugs

router = APIRouter()
router.include_router(forms_routes.router)
router.include_router(webhook_routes.router)

MAX_CSV_BYTES = 5_000_000


class PayloadTooLarge(ProblemError):
    status = 413


_CSV_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {
                "schema": {"type": "string"},
                "example": "siret,name,kind,lat,lon\n34980413800049,JADE,ACI,48.924896,2.414678\n",
            },
            # The same bytes for clients and generators that only know how to send a file.
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


@router.post(
    "/structures/import",
    response_model=ImportReport,
    tags=["structures"],
    openapi_extra=_CSV_BODY,
    responses={
        413: {
            "model": Problem,
            "description": f"file too large: over {MAX_CSV_BYTES} bytes, or over `MAX_CSV_ROWS` data rows "
            "(see the limits above); nothing is stored",
        }
    },
)
async def import_structures(request: Request, session: SessionDep, caller: WriterDep) -> ImportReport:
    """Create or update structures from a CSV file (own columns, ASP list of SIAE, or siret,name,kind,...).

    At most `MAX_CSV_ROWS` data rows per file (see the limits above): a longer file is refused whole
    (413), naming the limit. The import runs off the event loop and stops, storing nothing, if the
    client disconnects.
    """
    body = await request.body()
    if len(body) > MAX_CSV_BYTES:
        raise PayloadTooLarge(f"the file has {len(body)} bytes; the limit is {MAX_CSV_BYTES}")
    max_rows = request.app.state.settings.max_csv_rows

    def work(check: CancelCheck) -> ImportReport:
        try:
            text = directory_csv.decode(body)
            return import_directory(session, caller.network_id, text, max_rows=max_rows, check=check)
        except directory_csv.TooManyRows as exc:
            raise PayloadTooLarge(
                f"the file has more than {exc.limit} data rows; the limit is {exc.limit} (MAX_CSV_ROWS)",
                errors=[FieldError(field="body", reason=str(exc))],
            ) from None
        except directory_csv.CsvFormatError as exc:
            raise InvalidInput([FieldError(field=exc.field, reason=exc.reason)]) from None

    return await run_cancellable(request, work)


class LocatedSiteReport(BaseModel):
    site: str
    how: Literal["insee", "locality", "postcode"] = Field(
        description="what named the commune: deliveryLocation.gazetteer (INSEE code), "
        "deliveryAddress.locality or deliveryAddress.postalCode"
    )
    commune: str
    insee: str


class WorkloadReport(BaseModel):
    site: str
    quantity: float | None
    unit: str
    hours: float | None
    source: Literal["quantity_in_hours", "hours_per_unit", "unknown"]


class OcdsImportReport(BaseModel):
    ocid: str
    located: list[LocatedSiteReport] = Field(
        description="sites without coordinates, placed at the centre of their commune"
    )
    workloads: list[WorkloadReport]
    sites_without_hours: list[str] = Field(description="the sites to complete before the tender is planned")


class TenderImported(TenderPublic):
    import_report: OcdsImportReport


def parse_hours_per_unit(values: list[str] | None) -> dict[str, float]:
    """`TRADE:HOURS` pairs (hours per unit of the items of that trade), or `HOURS` for every trade."""
    out: dict[str, float] = {}
    errors = []
    for value in values or []:
        trade, _, number = value.rpartition(":")
        trade = trade.strip() or "*"
        try:
            rate = float(number.replace(",", "."))
        except ValueError:
            rate = -1.0
        if not (0 < rate < 1e6):
            errors.append(
                FieldError(field="hours_per_unit", reason=f"{value!r}: expected TRADE:HOURS, HOURS > 0")
            )
        elif trade != "*" and trade not in sector_slugs():
            reason = f"{value!r}: unknown trade {trade!r} (a sector slug of the Marché de l'inclusion)"
            errors.append(FieldError(field="hours_per_unit", reason=reason))
        else:
            out[trade] = rate
    if errors:
        raise InvalidInput(errors)
    return out


@router.post(
    "/tenders/import/ocds",
    response_model=TenderImported,
    status_code=201,
    tags=["tenders"],
    responses={409: {"model": Problem, "description": "reference already used in the network"}},
)
async def import_ocds(
    request: Request,
    session: SessionDep,
    caller: WriterDep,
    package: Annotated[dict[str, Any], Body(description="an OCDS 1.1 release package")],
    default_trade: Annotated[
        str | None, Query(max_length=100, description="trade of the lots whose items name none")
    ] = None,
    hours_per_unit: Annotated[
        list[str] | None,
        Query(
            max_length=200,
            description="hours per unit of the items that are not in hours, per trade: "
            "`peinture-revetement-des-murs:0.12` (0,12 h per m²), or `0.12` for every trade. "
            "Without it such sites are imported without hours and the tender is a draft.",
        ),
    ] = None,
) -> TenderImported:
    """Record the tender of an OCDS release package: its lots, and its items as sites.

    A site without coordinates is placed at its commune (INSEE code, locality or postcode); a site
    whose workload cannot be read in hours is imported with `hours: null`, and the tender is a draft
    that cannot be planned (409) until its hours are given. The import runs off the event loop and
    stops, storing nothing, if the client disconnects.
    """
    if default_trade is not None and default_trade not in sector_slugs():
        reason = "unknown trade: a sector slug of the Marché de l'inclusion"
        raise InvalidInput([FieldError(field="default_trade", reason=reason)])
    rates = parse_hours_per_unit(hours_per_unit)

    def work(check: CancelCheck) -> TenderImported:
        try:
            read = read_package(package, default_trade=default_trade, hours_per_unit=rates, check=check)
        except OcdsImportError as exc:
            raise InvalidInput([FieldError(field=e.field, reason=e.message) for e in exc.errors]) from None
        try:
            data = TenderCreate.model_validate(read.tender, context={"draft": True})
        except ValidationError as exc:
            raise InvalidInput.from_validation(exc) from None
        check()
        tender = tenders.create(session, caller.network_id, data, check=check)
        report = OcdsImportReport(
            ocid=read.ocid,
            located=[LocatedSiteReport(**vars(x)) for x in read.located],
            workloads=[WorkloadReport(**vars(w)) for w in read.workloads],
            sites_without_hours=read.sites_without_hours,
        )
        return TenderImported(**tender.model_dump(), import_report=report)

    return await run_cancellable(request, work)


@router.get(
    "/tenders/{tender_id}/ocds",
    tags=["tenders"],
    response_model=dict[str, Any],
    responses={200: {"description": "an OCDS 1.1 release package, valid against the shipped schemas"}},
)
async def export_ocds(
    request: Request, session: SessionDep, caller: CallerDep, tender_id: ResourceId
) -> Response:
    """The tender as an OCDS 1.1 release package; once a grouping is accepted, with its joint bid.

    Written off the event loop; stopped if the client disconnects."""
    uri = str(request.url)

    def work(check: CancelCheck) -> bytes:
        package = tender_package(session, caller, tender_id, uri=uri, check=check)
        check()
        # Already plain JSON, checked against the schema: written out as is, in one pass of
        # pydantic-core's encoder (the generic response encoder would walk every value again).
        return to_json(package)

    return Response(await run_cancellable(request, work), media_type="application/json")
