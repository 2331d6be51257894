"""OCDS 1.1 (release packages with the lots, bids, location, subcontracting and European Union
extensions; the last defines the party role `leadTenderer`, the mandataire of a groupement).

Conventions for what OCDS has no field for (documented in `docs` of the routes as well):

- a site is a tender item: `id` = site id, `description` = site name, `relatedLot` = its lot;
  its workload is the item's `quantity` in hours (`unit` = UN/CEFACT `HUR`), its value in euros excluding
  VAT is `quantity` × `unit.value.amount`; its position is `deliveryLocation.geometry` (a GeoJSON
  Point, longitude first), its address `deliveryAddress` (street, locality, postcode) and its territory
  (EPT) `deliveryAddress.region`;
- a lot's CPV code is each item's `classification` (scheme `CPV`, 8 digits); its trade (a sector slug
  of the Marché de l'inclusion) is an item's `additionalClassifications` entry with scheme
  `X-INCLUSION-SECTOR`;
- a reserved lot (L2113-12, L2113-13) has `otherRequirements.reservedParticipation` `shelteredWorkshop`;
  a lot's clause sociale is its `description` and `insertionHours` (an additional field); the execution
  dates are `tender.contractPeriod`; the buyer's SIRET is its party identifier (scheme `FR-RCS`);
- the tender kind is `mainProcurementCategory` (`works`, `services`); a staffing tender is a services
  tender with `staffing` in `additionalProcurementCategories` (an open codelist);
- a structure is a party whose `identifier` is its SIRET under the scheme `FR-RCS` (as back-offices
  read it), repeated in `additionalIdentifiers` under `FR-SIRET` (an establishment number of the SIRENE
  register: many SIAE are associations, which the RCS does not register).
"""

from app.integrations.ocds.exporter import JointBid, export_package, joint_bid
from app.integrations.ocds.importer import OcdsImportError, tender_from_package
from app.integrations.ocds.validation import SchemaError, validate_package

__all__ = [
    "JointBid",
    "OcdsImportError",
    "SchemaError",
    "export_package",
    "joint_bid",
    "tender_from_package",
    "validate_package",
]
