"""``fours org``: the organisation of the group."""

from __future__ import annotations

from typing import Any

import click

from fours_cli.output import emit, fail, parsed, state
from fours_cli.output import finish as _done
from fours_domain.org import services as svc
from fours_domain.org.model import Company, RoleGrant, StaffMember, Store, WarehouseKind


def store_dict(store: Store) -> dict[str, Any]:
    return {
        "id": store.id,
        "name": store.name,
        "region": store.region_id,
        "time_zone": store.time_zone.name,
        "business_unit": store.business_unit_id,
        "company": store.company_id,
        "brands": sorted(store.brands),
        "showrooms": [s.code for s in store.showrooms],
        "warehouses": [
            {"code": w.code, "name": w.name, "kind": w.kind.value, "bins": [b.code for b in w.bins]}
            for w in store.warehouses
        ],
    }


@click.group()
def org() -> None:
    """Group, regions, business units, brands, stores, showrooms, warehouses, bins."""


@org.command("init")
@click.argument("group_id")
@click.argument("name")
def init_group(group_id: str, name: str) -> None:
    """Create the group (one per database)."""
    app = state().app
    _done(
        svc.create_group(app.uow(), svc.CreateGroup(group_id, name)),
        lambda g: {"id": g.id, "name": g.name},
    )


@org.command("add-region")
@click.argument("region_id")
@click.argument("name")
def add_region(region_id: str, name: str) -> None:
    """Add a region (区域) (needs the group: fours org init)."""
    app = state().app
    _done(
        svc.add_region(app.uow(), svc.AddRegion(region_id, name)),
        lambda r: {"id": r.id, "name": r.name},
    )


@org.command("add-unit")
@click.argument("unit_id")
@click.argument("name")
def add_unit(unit_id: str, name: str) -> None:
    """Add a business unit (事业部) that can own isolated master data (needs the group)."""
    app = state().app
    _done(
        svc.add_business_unit(app.uow(), svc.AddBusinessUnit(unit_id, name)),
        lambda u: {"id": u.id, "name": u.name},
    )


def company_dict(company: Company) -> dict[str, Any]:
    return {"id": company.id, "name": company.name, "uscc": company.uscc.value}


@org.command("add-company")
@click.argument("company_id", metavar="CODE")
@click.argument("name")
@click.option("--uscc", required=True, help="Unified social credit code (统一社会信用代码).")
def add_company(company_id: str, name: str, uscc: str) -> None:
    """Add a group company (legal entity): stores belong to one, cars are consigned
    between them."""
    app = state().app
    _done(svc.add_company(app.uow(), svc.AddCompany(company_id, name, uscc)), company_dict)


@org.command("companies")
def list_companies() -> None:
    """The group's companies, with their stores."""
    app = state().app
    with app.uow() as uow:
        stores = uow.org.list_stores()
        rows = [
            {
                **company_dict(c),
                "stores": [s.id for s in stores if s.company_id == c.id],
            }
            for c in uow.org.list_companies()
        ]
    emit(rows)


@org.command("set-company")
@click.argument("company_id", metavar="COMPANY")
def set_company(company_id: str) -> None:
    """Put --store under a group company."""
    st = state()
    cmd = svc.SetStoreCompany(st.require_store(), company_id)
    _done(
        svc.set_store_company(st.app.uow(), cmd),
        lambda c: {"store": cmd.store_id.upper(), **company_dict(c)},
    )


@org.command("add-brand")
@click.argument("brand_code")
@click.argument("name")
@click.option("--manufacturer", required=True, help="Manufacturer (主机厂) of the brand.")
def add_brand(brand_code: str, name: str, manufacturer: str) -> None:
    """Add a vehicle brand (needs the group: fours org init)."""
    app = state().app
    _done(
        svc.add_brand(app.uow(), svc.AddBrand(brand_code, name, manufacturer)),
        lambda b: {"code": b.code, "name": b.name, "manufacturer": b.manufacturer},
    )


@org.command("add-store")
@click.argument("store_id")
@click.argument("name")
@click.option("--region", "region_id", required=True, help="Region the store belongs to.")
@click.option(
    "--brand",
    "brands",
    multiple=True,
    required=True,
    help="Brand sold (repeat for each brand; a brand given twice is refused).",
)
@click.option(
    "--tz",
    "time_zone",
    default="Asia/Shanghai",
    show_default=True,
    help="IANA time zone of the store: Area/Location (e.g. Asia/Urumqi) or UTC.",
)
@click.option("--unit", "unit_id", default=None, help="Business unit (事业部), if any.")
@click.option("--company", "company_id", default=None, help="Group company it belongs to.")
def add_store(
    store_id: str,
    name: str,
    region_id: str,
    brands: tuple[str, ...],
    time_zone: str,
    unit_id: str | None,
    company_id: str | None,
) -> None:
    """Open a store (门店) franchised for one or more brands."""
    app = state().app
    cmd = svc.OpenStore(store_id, name, region_id, time_zone, brands, unit_id, company_id)
    _done(svc.open_store(app.uow(), cmd, app.clock), store_dict)


@org.command("add-showroom")
@click.argument("showroom_code")
@click.argument("name")
def add_showroom(showroom_code: str, name: str) -> None:
    """Add a showroom (展厅) to --store."""
    st = state()
    _done(
        svc.add_showroom(st.app.uow(), svc.AddShowroom(st.require_store(), showroom_code, name)),
        lambda s: {"store": s.store_id, "code": s.code, "name": s.name},
    )


@org.command("add-warehouse")
@click.argument("warehouse_code")
@click.argument("name")
@click.option(
    "--kind",
    type=click.Choice([k.value for k in WarehouseKind]),
    default="parts",
    show_default=True,
)
def add_warehouse(warehouse_code: str, name: str, kind: str) -> None:
    """Add a warehouse (仓库) to --store."""
    st = state()
    cmd = svc.AddWarehouse(st.require_store(), warehouse_code, name, WarehouseKind(kind))
    _done(
        svc.add_warehouse(st.app.uow(), cmd),
        lambda w: {"store": w.store_id, "code": w.code, "name": w.name, "kind": w.kind.value},
    )


@org.command("add-bin")
@click.argument("warehouse_code")
@click.argument("bin_codes", nargs=-1, required=True)
def add_bin(warehouse_code: str, bin_codes: tuple[str, ...]) -> None:
    """Add bins (库位) to a warehouse of --store: all of them, or none if one is refused."""
    st = state()
    cmd = svc.AddBins(st.require_store(), warehouse_code, bin_codes)
    _done(
        svc.add_bins(st.app.uow(), cmd),
        lambda added: [
            {"store": b.store_id, "warehouse": b.warehouse_code, "code": b.code} for b in added
        ],
    )


@org.command("show")
def show() -> None:
    """The whole organisation: group, regions, units, brands and stores."""
    app = state().app
    with app.uow() as uow:
        group = uow.org.get_group()
        data = {
            "group": None if group is None else {"id": group.id, "name": group.name},
            "regions": [{"id": r.id, "name": r.name} for r in uow.org.list_regions()],
            "business_units": [{"id": u.id, "name": u.name} for u in uow.org.list_business_units()],
            "companies": [company_dict(c) for c in uow.org.list_companies()],
            "brands": [
                {"code": b.code, "name": b.name, "manufacturer": b.manufacturer}
                for b in uow.org.list_brands()
            ],
            "stores": [store_dict(s) for s in uow.org.list_stores()],
        }
    emit(data, _render_tree(data))


@org.command("stores")
@click.option("--region", "region_id", default=None, help="Only stores of this region.")
def list_stores(region_id: str | None) -> None:
    """List stores with their brands and time zones."""
    from fours_domain.shared.ids import RegionId

    app = state().app
    with app.uow() as uow:
        rows = [
            store_dict(s)
            for s in uow.org.list_stores(RegionId(region_id.upper()) if region_id else None)
        ]
    emit(rows, None if state().as_json else _store_table(rows))


def staff_dict(member: StaffMember) -> dict[str, Any]:
    return {
        "id": member.id,
        "name": member.name,
        "roles": [grant_dict(g) for g in member.grants],
    }


def grant_dict(grant: RoleGrant) -> dict[str, Any]:
    return {
        "staff": grant.staff_id,
        "role": grant.role,
        "store": grant.store_id,
        "group_wide": grant.store_id is None,
    }


def _staff_table(rows: list[dict[str, Any]]) -> str:
    from fours_cli.output import table

    return table(
        [
            {
                "staff": r["id"],
                "name": r["name"],
                "roles": [f"{g['role']}@{g['store'] or '*'}" for g in r["roles"]] or "-",
            }
            for r in rows
        ]
    )


_GROUP_WIDE_HELP = "Held at every store of the group (instead of --store)."


@org.command("add-staff")
@click.argument("staff_id")
@click.argument("name")
@click.option("--role", "roles", multiple=True, help="Role held (repeatable), e.g. SALES.")
@click.option("--group-wide", is_flag=True, help=_GROUP_WIDE_HELP)
def add_staff(staff_id: str, name: str, roles: tuple[str, ...], group_wide: bool) -> None:
    """Add a member of staff (员工) to the roster, with roles at --store or group-wide.

    STAFF_ID is the login id (a–z, 0–9, '.', '_', '-'), e.g. zhang.wei. Approvals,
    quotes and counter discounts are checked against the roster: who may act in which
    role, where."""
    st = state()
    store = st.store if roles and not group_wide else None
    cmd = svc.AddStaff(staff_id, name, roles, store, group_wide)
    _done(svc.add_staff(st.app.uow(), cmd), staff_dict, _staff_line)


def _staff_line(data: dict[str, Any]) -> str:
    roles = ", ".join(f"{g['role']}@{g['store'] or '*'}" for g in data["roles"]) or "no roles"
    return f"{data['id']} ({data['name']}): {roles}"


@org.command("grant-role")
@click.argument("staff_id")
@click.argument("role")
@click.option("--group-wide", is_flag=True, help=_GROUP_WIDE_HELP)
def grant_role(staff_id: str, role: str, group_wide: bool) -> None:
    """Grant ROLE to STAFF_ID at --store, or at every store with --group-wide."""
    st = state()
    cmd = svc.GrantRole(staff_id, role, None if group_wide else st.store, group_wide)
    _done(svc.grant_role(st.app.uow(), cmd), grant_dict)


@org.command("revoke-role")
@click.argument("staff_id")
@click.argument("role")
@click.option("--group-wide", is_flag=True, help="Withdraw the group-wide grant.")
def revoke_role(staff_id: str, role: str, group_wide: bool) -> None:
    """Withdraw ROLE from STAFF_ID at --store (or the group-wide grant)."""
    st = state()
    cmd = svc.RevokeRole(staff_id, role, None if group_wide else st.store, group_wide)
    _done(svc.revoke_role(st.app.uow(), cmd), grant_dict)


@org.command("staff")
@click.option("--all", "everyone", is_flag=True, help="Everyone, whatever --store says.")
def list_staff(everyone: bool) -> None:
    """The staff roster: everyone, or (with --store) who holds a role at that store."""
    from fours_domain.org.model import code
    from fours_domain.shared.errors import NotFound
    from fours_domain.shared.ids import StoreId

    st = state()
    store = None if everyone or not st.store else StoreId(parsed(code, st.store, "store code"))
    with st.app.uow() as uow:
        if store is not None and uow.org.get_store(store) is None:
            fail(NotFound("store", store))
        rows = [staff_dict(m) for m in uow.org.list_staff(store)]
    emit(rows, None if st.as_json else _staff_table(rows))


def _store_table(rows: list[dict[str, Any]]) -> str:
    from fours_cli.output import table

    return table(
        [
            {
                "store": r["id"],
                "name": r["name"],
                "region": r["region"],
                "company": r["company"],
                "tz": r["time_zone"],
                "brands": r["brands"],
                "warehouses": [w["code"] for w in r["warehouses"]],
            }
            for r in rows
        ]
    )


def _render_tree(data: dict[str, Any]) -> str:
    group = data["group"]
    lines = [f"{group['name']} ({group['id']})" if group else "(no group: run 'fours org init')"]
    lines.extend(
        _branches(
            [
                (f"region {r['id']}: {r['name']}", _region_children(r, data["stores"]))
                for r in data["regions"]
            ]
        )
    )
    return "\n".join(lines)


Node = tuple[str, list[Any]]


def _region_children(region: dict[str, Any], stores: list[dict[str, Any]]) -> list[Node]:
    return [
        (
            f"store {s['id']}: {s['name']} [{', '.join(s['brands'])}] {s['time_zone']}"
            + (f" (company {s['company']})" if s["company"] else ""),
            [(f"showroom {code}", []) for code in s["showrooms"]]
            + [
                (f"warehouse {w['code']} ({w['kind']}): {', '.join(w['bins']) or 'no bins'}", [])
                for w in s["warehouses"]
            ],
        )
        for s in stores
        if s["region"] == region["id"]
    ]


def _branches(nodes: list[Node], indent: str = "") -> list[str]:
    lines: list[str] = []
    for i, (label, children) in enumerate(nodes):
        last = i == len(nodes) - 1
        lines.append(f"{indent}{'└─' if last else '├─'} {label}")
        lines.extend(_branches(children, indent + ("   " if last else "│  ")))
    return lines
