"""The list envelope `{"items", "total", "page", "per_page"}` used by every list endpoint."""

from __future__ import annotations

from functools import cache
from typing import Any

from marshmallow import fields, validate
from sqlalchemy import Select, func, select

from marketplace.extensions import db
from marketplace.web.schema import Schema

MAX_PER_PAGE = 100


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PER_PAGE))


@cache
def page_schema(item_schema: type[Schema]) -> type[Schema]:
    """A named envelope schema for `item_schema`, cached so OpenAPI registers it once."""
    name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
    return type(
        name,
        (Schema,),
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "total": fields.Integer(required=True),
            "page": fields.Integer(required=True),
            "per_page": fields.Integer(required=True),
        },
    )


def paginate(stmt: Select[Any], page: int, per_page: int) -> dict[str, Any]:
    """Run `stmt` (already filtered and ordered) for one page, plus its total count."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    items = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return {"items": items, "total": total or 0, "page": page, "per_page": per_page}
