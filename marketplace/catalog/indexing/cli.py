from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from marketplace.catalog.indexing import sync

search_cli = AppGroup("search", help="Search index maintenance.")


@search_cli.command("reindex")
@click.option("--workers", type=click.IntRange(1, 32), default=None,
              help="Processes building documents (default: one per CPU, at most 4).")
def reindex(workers: int | None) -> None:
    """Rebuild the index from the database; searches keep working until the swap."""
    backend = current_app.extensions["search_backend"]
    total = sync.published_count()
    with click.progressbar(length=total, label="Indexing published listings") as bar:
        done = 0

        def progress(count: int) -> None:
            nonlocal done
            bar.update(count - done)
            done = count

        loaded = sync.reindex(backend, progress=progress, workers=workers)
    click.echo(f"Indexed {loaded} listings ({backend.name}).")


@search_cli.command("sync")
@click.option("--retry-parked", is_flag=True,
              help="First put back in line the rows parked because the backend refused "
                   "their document (after fixing the cause).")
def sync_command(retry_parked: bool) -> None:
    """Apply changes left in the outbox (e.g. while the backend was down)."""
    if retry_parked:
        click.echo(f"Retrying {sync.retry_parked()} parked outbox rows.")
    backlog = sync.backlog()
    backend = current_app.extensions["search_backend"]
    with click.progressbar(length=backlog, label="Draining search outbox") as bar:
        result = sync.drain(backend)
        bar.update(result.rows)
    if result.error:
        raise click.ClickException(
            f"search backend unavailable after {result.rows} rows; "
            f"{sync.backlog()} left in the outbox: {result.error}"
        )
    click.echo(f"Synced {result.rows} outbox rows: {result.upserted} indexed, "
               f"{result.deleted} removed.")
    if result.parked:
        click.echo(f"Parked {result.parked} rows whose document the backend refused; "
                   "see `flask search status`.", err=True)


@search_cli.command("status")
def status() -> None:
    """Documents in the index vs published listings, and the outbox backlog."""
    backend = current_app.extensions["search_backend"]
    click.echo(f"backend:            {backend.name}")
    click.echo(f"published listings: {sync.published_count()}")
    try:
        click.echo(f"indexed documents:  {backend.count()}")
    except Exception as exc:  # report, don't crash: this command exists for outages
        click.echo(f"indexed documents:  unavailable ({exc})")
    click.echo(f"outbox backlog:     {sync.backlog()}")
    parked = sync.parked()
    click.echo(f"parked rows:        {len(parked)}")
    for entry in parked[:20]:  # the reasons say what to fix before `sync --retry-parked`
        click.echo(f"  {entry.listing_id} (v{entry.listing_version}, parked "
                   f"{entry.parked_at:%Y-%m-%d %H:%M}): {entry.last_error}")
