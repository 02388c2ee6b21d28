from sqlalchemy import func, select

from marketplace.accounts.models import Organization, User
from marketplace.catalog.models import Listing
from marketplace.demo.data import DEMO_PASSWORD, OPERATOR
from marketplace.extensions import db


def test_demo_seed_builds_a_realistic_marketplace_and_is_idempotent(runner, client):
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output

    suppliers = db.session.scalars(select(Organization).where(Organization.kind == "supplier"))
    provinces = {org.province for org in suppliers}
    assert {"山东", "安徽", "宁夏", "云南", "新疆", "浙江"} <= provinces
    assert len(provinces) >= 8
    buyers = db.session.scalar(
        select(func.count()).select_from(Organization).where(Organization.kind == "buyer")
    )
    assert buyers >= 3
    published = db.session.scalar(
        select(func.count()).select_from(Listing).where(Listing.status == "published")
    )
    assert published >= 50
    # Several suppliers offer the same INCI at different prices.
    offers = db.session.execute(
        select(Listing.inci_name, func.count(func.distinct(Listing.supplier_id)))
        .where(Listing.status == "published").group_by(Listing.inci_name)
    ).all()
    assert sum(1 for _, suppliers in offers if suppliers > 1) >= 3

    counts = (db.session.scalar(select(func.count()).select_from(User)),
              db.session.scalar(select(func.count()).select_from(Listing)))
    again = runner.invoke(args=["demo", "seed"])
    assert again.exit_code == 0, again.output
    assert (db.session.scalar(select(func.count()).select_from(User)),
            db.session.scalar(select(func.count()).select_from(Listing))) == counts

    login = client.post("/api/v1/auth/tokens",
                        json={"email": OPERATOR["email"], "password": DEMO_PASSWORD})
    assert login.status_code == 201
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {login.json['token']}"})
    assert me.json["is_operator"] is True
