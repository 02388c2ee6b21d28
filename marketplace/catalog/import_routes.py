"""Bulk listing import (`POST /listings/import`) and its CSV template; parsing is in importer.py."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, request
from flask_smorest import Blueprint, abort
from flask_smorest.fields import Upload
from marshmallow import fields
from werkzeug.exceptions import RequestEntityTooLarge

from marketplace.accounts.auth import current_principal, org_kind_required
from marketplace.catalog import importer
from marketplace.web.errors import Invalid, error_body
from marketplace.web.schema import Schema

blp = Blueprint(
    "listing_import", __name__, url_prefix="/api/v1/listings",
    description="Bulk creation of draft listings from a CSV or XLSX file",
)

TEMPLATE_FILENAME = "listings-template.csv"
TEMPLATE_DESCRIPTION = "CSV, UTF-8 with BOM: the header row and two example rows"


class ImportFileSchema(Schema):
    file = Upload(
        required=True,
        metadata={
            "description": "CSV (UTF-8 with or without BOM, or GBK/GB18030 as saved by Excel "
                           "on Chinese Windows) or XLSX (first sheet). Header row 1, one "
                           "column per field, see `GET /api/v1/listings/import/template.csv`."
        },
    )


class DryRunArgs(Schema):
    dry_run = fields.Boolean(
        load_default=False,
        metadata={"description": "Validate and report, but create nothing."},
    )


class ImportRowErrorSchema(Schema):
    row = fields.Integer(required=True, metadata={"description": "Spreadsheet row (header = 1)"})
    field = fields.String(required=True, metadata={"description": "Column name"})
    message = fields.String(required=True)


class ImportResultSchema(Schema):
    created = fields.Integer(
        required=True, metadata={"description": "Valid rows (drafts created, or that would be)"}
    )
    failed = fields.Integer(required=True, metadata={"description": "Rows refused"})
    errors = fields.List(fields.Nested(ImportRowErrorSchema), required=True)
    dry_run = fields.Boolean(required=True)
    listing_ids = fields.List(
        fields.String(), required=True,
        metadata={"description": "Ids of the created drafts in row order (empty in a dry run)"},
    )


@blp.app_errorhandler(RequestEntityTooLarge)
def request_too_large(exc: RequestEntityTooLarge) -> tuple[dict[str, Any], int]:
    """MAX_CONTENT_LENGTH refused the body: answer in the API's error shape, with the limit."""
    if request.endpoint == "listing_import.import_listings":
        message = _too_large_message(current_app.config["IMPORT_MAX_BYTES"])
    else:
        limit = current_app.config["MAX_CONTENT_LENGTH"]
        message = f"The request body is too large: at most {limit} bytes are accepted."
    return error_body(413, message), 413


def _too_large_message(limit: int) -> str:
    return (
        f"The upload is too large: import files may be at most {limit} bytes "
        f"({limit / 1024 / 1024:.1f} MB). Split the file."
    )


@blp.route("/import", methods=["POST"])
@blp.response(200, ImportResultSchema)
@blp.alt_response(413, description="The file is larger than IMPORT_MAX_BYTES (5 MB)")
@org_kind_required("supplier")
@blp.arguments(ImportFileSchema, location="files")
@blp.arguments(DryRunArgs, location="query")
def import_listings(files: dict[str, Any], args: dict[str, Any]) -> importer.ImportReport:
    """Create draft listings from a CSV or XLSX file, one per row.

    Every row is validated like `POST /api/v1/listings`; a bad row is reported as
    `{row, field, message}` and never blocks the others. All valid rows are created in one
    transaction. Lists in a cell: `certifications` and `incoterms` separated by `;`, `|` or
    `,`; `price_tiers` as `min_quantity:unit_price` pairs (`25:180.00;100:160.00`);
    `specifications` as `parameter=value@method` items separated by `;` (method optional).
    Booleans: true/false, yes/no, 1/0, 是/否. Empty cells leave a field out. Unknown or
    missing required columns, more than IMPORT_MAX_ROWS (10,000) data rows, more than
    IMPORT_MAX_BLANK_ROWS (10,000) blank rows (rows an XLSX sheet skips count too), more than
    IMPORT_MAX_CELLS (500,000) cells, an XLSX file inflating past
    IMPORT_MAX_UNCOMPRESSED_BYTES (50 MB) or with a part compressed more than
    IMPORT_MAX_COMPRESSION_RATIO (100:1), or an unreadable file refuse the whole file with
    422; reading stops at the first row past a limit.
    """
    limit = current_app.config["IMPORT_MAX_BYTES"]
    content = files["file"].read(limit + 1)
    if len(content) > limit:
        abort(413, message=_too_large_message(limit))
    supplier = current_principal().organization
    assert supplier is not None  # org_kind_required guarantees it
    config = current_app.config
    limits = importer.SheetLimits(
        max_blank_rows=config["IMPORT_MAX_BLANK_ROWS"],
        max_cells=config["IMPORT_MAX_CELLS"],
        max_uncompressed_bytes=config["IMPORT_MAX_UNCOMPRESSED_BYTES"],
        max_compression_ratio=config["IMPORT_MAX_COMPRESSION_RATIO"],
    )
    try:
        return importer.import_listings(
            supplier, content, max_rows=config["IMPORT_MAX_ROWS"], limits=limits,
            dry_run=args["dry_run"],
        )
    except importer.ImportFileError as exc:
        raise Invalid(exc.message, errors={"files": {"file": [exc.message]}}) from exc


@blp.route("/import/template.csv", methods=["GET"])
@blp.response(200, content_type="text/csv", description=TEMPLATE_DESCRIPTION)
@blp.doc(responses={"200": {"description": TEMPLATE_DESCRIPTION,
                            "content": {"text/csv": {"schema": {"type": "string"}}}}})
def import_template() -> Response:
    """Download the import template (public): every column, and two realistic example rows."""
    return Response(
        importer.template_csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{TEMPLATE_FILENAME}"'},
    )
